"""Which kind of field has the keyboard focus (the agent asks before typing into a password field), and
what text it holds (a UI test checks that its typing arrived).

`document.activeElement` names an iframe or a shadow host when the focus sits inside one, so the
script follows it down. A cross-origin frame's document is out of the page's reach: the answer is
then None (unknown), as it is for anything that is not a text field.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Page

_FOCUSED_ELEMENT = """
  let el = document.activeElement;
  for (;;) {
    if (el && el.shadowRoot && el.shadowRoot.activeElement) { el = el.shadowRoot.activeElement; continue; }
    if (el && (el.tagName === "IFRAME" || el.tagName === "FRAME")) {
      let inner = null;
      try { inner = el.contentDocument && el.contentDocument.activeElement; } catch (e) {}
      if (!inner) return null;  // a cross-origin frame: its focus cannot be seen from here
      el = inner;
      continue;
    }
    break;
  }
  if (!el) return null;
  const tag = el.tagName.toLowerCase();"""
"""Finds the focused element (`el`, `tag`) through shadow roots and same-origin frames."""

FOCUSED_FIELD_JS = (
    "() => {"
    + _FOCUSED_ELEMENT
    + """
  if (tag === "input") return el.type;  // normalised by the browser: "password", "email", "text"...
  if (tag === "textarea" || el.isContentEditable) return tag;
  return null;
}"""
)

FOCUSED_TEXT_JS = (
    "() => {"
    + _FOCUSED_ELEMENT
    + """
  const notText = /^(checkbox|radio|button|submit|reset|file|image|range|color|hidden)$/;
  if ((tag === "input" && !notText.test(el.type)) || tag === "textarea") return el.value;
  if (el.isContentEditable) return el.innerText;
  return null;
}"""
)


async def focused_input_type(page: Page, *, timeout_s: float = 5.0) -> str | None:
    """The focused field's input type ("password", "text"...), its tag for a textarea or an editable
    element, else None. Never raises: a closed or busy page just means "unknown"."""
    try:
        kind = await asyncio.wait_for(page.evaluate(FOCUSED_FIELD_JS), timeout_s)
    except Exception:  # the answer is a hint for a guard; failing to get it must not fail a step
        return None
    return kind if isinstance(kind, str) and kind else None


async def focused_text(page: Page, *, timeout_s: float = 5.0) -> str | None:
    """The text in the focused text field (its value; an editable element's text), or None when no
    text field has the focus: how a test tells that typing reached a field. Raises when the page
    cannot say (closed, busy): unlike None, that is no evidence either way."""
    text = await asyncio.wait_for(page.evaluate(FOCUSED_TEXT_JS), timeout_s)
    return text if isinstance(text, str) else None
