"""Model and page text made safe for a terminal: no escape sequences, no control characters.

A thought, an answer or a page title is written by the model or by a page, so it can carry terminal
escape sequences: clear the screen, move the cursor over the confirmation prompt, rewrite the window
title, or (OSC 52) put text on the clipboard. Rich escapes its own markup but passes ESC through.
Everything of theirs that the CLI prints goes through `plain` first. Bidirectional overrides are
dropped too, so a line cannot display in another order than it reads (CVE-2021-42574, "Trojan Source").
ECMA-48 defines the sequences: https://ecma-international.org/publications-and-standards/standards/ecma-48/
"""

from __future__ import annotations

import re

# ESC followed by a CSI, OSC, DCS/SOS/PM/APC string (ended by BEL or ST) or a single-character function
ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, colours, screen clears
    r"|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC strings: titles, clipboard
    r"|[@-Z\\-_]|[ -/]*[0-~])"  # two-character functions
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI as one C1 byte
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: str | None, *, one_line: bool = False, limit: int | None = None) -> str:
    """`text` without escape sequences and control characters (newlines and tabs kept unless
    `one_line`), cut to `limit` characters when given."""
    if not text:
        return ""
    cleaned = CONTROL.sub("", ESCAPE_SEQUENCE.sub("", text))
    if one_line:
        cleaned = " ".join(cleaned.split())
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned
