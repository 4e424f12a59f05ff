"""Tolerant, bounded scanning of model answers: literals, calls, tags and numbers.

Models write almost-JSON: single quotes, Python tuples and `None`, trailing commas, a missing
closing brace or tag, special tokens left in or stripped. Everything here repairs what it safely
can and raises `LiteralError` otherwise. Nothing is evaluated (no eval/exec/ast), every scan is a
linear regex or a loop with a hard cap, and answers are cut to a bounded head and tail first, so a
1 MB answer parses in milliseconds.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_ANSWER_CHARS = 16_384
"""Head and tail kept from an over-long answer (each); a degenerate 1 MB answer keeps both ends."""
MAX_TOKENS = 4_000
MAX_DEPTH = 24
MAX_CALLS = 16


class LiteralError(ValueError):
    """A literal or call that cannot be read even after repair; the message is for the model."""

    end: int | None = None
    """Where parse_literal stopped reading (the text before it was taken as part of the literal)."""


def bounded(text: str) -> str:
    """The answer itself when short; otherwise its head and tail (thoughts lead, actions trail)."""
    if len(text) <= 2 * MAX_ANSWER_CHARS:
        return text
    return text[:MAX_ANSWER_CHARS] + "\n" + text[-MAX_ANSWER_CHARS:]


_CHAT_TOKENS = re.compile(r"<\|(?:im_end|im_start|endoftext|end|eot_id)\|>(?:assistant\b)?")


def strip_chat_tokens(text: str) -> str:
    """Drop end-of-turn tokens a backend may leave in (never the grounding tokens)."""
    return _CHAT_TOKENS.sub("", text)


_THINK = re.compile(r"<think>(.*?)(?:</think>|\Z)", re.S)


def split_think(text: str) -> tuple[str, str]:
    """(thinking, rest): `<think>...</think>` blocks become thought; a lone `</think>` ends one."""
    thoughts = [m.group(1).strip() for m in _THINK.finditer(text, 0, len(text))]
    rest = _THINK.sub("", text)
    close = rest.rfind("</think>")
    if close >= 0:  # a template that already opened <think>: only the closing tag is in the answer
        thoughts.append(rest[:close].strip())
        rest = rest[close + len("</think>") :]
    return "\n".join(t for t in thoughts if t), rest


# --- strings ----------------------------------------------------------------------------------
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "0": "\0"}


def unescape(body: str) -> str:
    """Undo JSON/Python escapes (\\n, \\', \\", \\\\, \\uXXXX); unknown escapes keep the backslash."""
    if "\\" not in body:
        return body

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if len(code) > 1:
            value = int(code[1:], 16)
            return chr(value) if value <= 0x10FFFF else "\ufffd"
        if code in "'\"\\":
            return code
        return _SIMPLE_ESCAPES.get(code, "\\" + code)

    text = _ESCAPE.sub(one, body)
    if _SURROGATE.search(text):  # "\ud83d\ude00" is one character; a lone half becomes U+FFFD
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


# --- literals (JSON, JSON5-ish, Python dict/list/tuple) ----------------------------------------
_TOKEN = re.compile(
    r"""(?P<str>"(?:[^"\\]|\\.)*(?:"|\\?\Z)|'(?:[^'\\]|\\.)*(?:'|\\?\Z))
    |(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<punct>[{}\[\]():,=])
    |(?P<space>\s+)
    |(?P<other>.)""",
    re.X | re.S,
)
_NAMED = {"true": True, "True": True, "false": False, "False": False, "null": None, "None": None}
_CLOSE = {"{": "}", "[": "]", "(": ")"}


class _Tokens:
    """A lazy, capped token stream over one string."""

    def __init__(self, text: str, pos: int, *, strict: bool = False) -> None:
        self.text = text
        self.strict = strict
        self._iter = _TOKEN.finditer(text, pos)
        self.count = 0
        self.end = pos
        self.peeked: tuple[str, str] | None = None
        self.peek()

    def peek(self) -> tuple[str, str] | None:
        if self.peeked is None:
            for match in self._iter:
                kind = match.lastgroup or "other"
                if kind == "space":
                    continue
                self.count += 1
                if self.count > MAX_TOKENS:
                    raise LiteralError(f"the call is too long (over {MAX_TOKENS} tokens)")
                self.peeked = (kind, match.group())
                self._next_end = match.end()
                break
        return self.peeked

    def take(self) -> tuple[str, str] | None:
        token = self.peek()
        if token is not None:
            self.end = self._next_end
        self.peeked = None
        return token


def _number(text: str) -> int | float:
    value = float(text)
    if value.is_integer() and abs(value) < 2**53 and not any(c in text for c in ".eE"):
        return int(value)
    return value


def _string(token: str) -> str:
    quote, inner = token[0], token[1:]
    if inner.endswith(quote):
        head = inner[:-1]
        backslashes = len(head) - len(head.rstrip("\\"))
        if backslashes % 2 == 0:  # the closing quote is not itself escaped
            inner = head
    return unescape(inner)


def _value(tokens: _Tokens, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise LiteralError("the value is nested too deeply")
    token = tokens.take()
    if token is None:
        raise LiteralError("a value is missing at the end")
    kind, text = token
    if kind == "str":
        return _string(text)
    if kind == "num":
        return _number(text)
    if kind == "name":
        if tokens.strict and text not in _NAMED:
            raise LiteralError(f"{text!r} is not a value (quote text)")
        return _NAMED.get(text, text)
    if kind == "punct" and text in _CLOSE:
        return _container(tokens, text, depth + 1)
    raise LiteralError(f"unexpected {text!r} where a value should be")


def _container(tokens: _Tokens, opener: str, depth: int) -> Any:
    """A dict, list or tuple; closes itself at the end of text (the missing-brace repair)."""
    closer = _CLOSE[opener]
    items: list[Any] = []
    pairs: dict[str, Any] = {}
    while True:
        token = tokens.peek()
        if token is None:
            break  # unclosed: repair by closing here
        kind, text = token
        if kind == "punct" and text in "}])":
            tokens.take()
            if text != closer:
                raise LiteralError(f"{opener!r} is closed by {text!r}")
            break
        if kind == "punct" and text == ",":
            tokens.take()
            continue
        value = _value(tokens, depth)
        if opener == "{":
            sep = tokens.peek()
            if sep is None or sep[0] != "punct" or sep[1] not in ":=":
                raise LiteralError(f"expected ':' after the key {value!r}")
            tokens.take()
            pairs[str(value)] = _value(tokens, depth)
        else:
            items.append(value)
    return pairs if opener == "{" else items


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a value here")


_JSON = json.JSONDecoder(parse_int=_number, parse_constant=_reject_constant)


def _well_formed_json(text: str, pos: int) -> tuple[Any, int] | None:
    """Most answers are plain JSON: the C decoder reads them ten times faster than the tolerant
    reader. None (use the tolerant reader) for anything else, or anything beyond the same bounds."""
    try:
        value, end = _JSON.raw_decode(text, pos)
    except (ValueError, RecursionError):
        return None
    if end - pos > MAX_TOKENS or text.count("{", pos, end) + text.count("[", pos, end) > MAX_DEPTH:
        return None
    return value, end


def parse_literal(text: str, pos: int = 0, *, strict: bool = False) -> tuple[Any, int]:
    """Read one literal starting at `pos`; returns (value, end position).

    A bare word reads as a string (`{action: CLICK}`) unless `strict`, where only true/false/null
    (and Python's True/False/None) are words a value may be."""
    fast = _well_formed_json(text, pos)
    return fast if fast is not None else tolerant_literal(text, pos, strict=strict)


def tolerant_literal(text: str, pos: int = 0, *, strict: bool = False) -> tuple[Any, int]:
    """parse_literal without the JSON fast path: the reader that repairs almost-JSON."""
    tokens = _Tokens(text, pos, strict=strict)
    try:
        value = _value(tokens, 0)
    except LiteralError as error:
        error.end = max(tokens.end, pos + 1)
        raise
    return value, tokens.end


def parse_object(text: str) -> Any:
    """The first `{...}` or `[...]` literal in `text` (fences and prose around it are ignored)."""
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        raise LiteralError("no JSON object found")
    value, _ = parse_literal(text, min(starts))
    return value


# --- calls: name(key='value', key2=(1, 2)) ------------------------------------------------------
_CALL_START = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*+)\s*+\(")
_KEY = re.compile(r"\s*+([A-Za-z_][A-Za-z0-9_]*+)\s*+[=:]\s*+")
_BARE = re.compile(r"[^,)\n]*")


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """A quoted argument; an unescaped inner quote only ends it when `,`, `)` or the end follows."""
    quote = text[pos]
    pattern = re.compile(r"((?:\\.|[^\\])*?)" + re.escape(quote) + r"(?=\s*(?:[,)]|\Z|\n))", re.S)
    match = pattern.match(text, pos + 1)
    if match is None:  # missing closing quote: take the rest of the line (or the text)
        end = text.find("\n", pos + 1)
        end = len(text) if end < 0 else end
        body = text[pos + 1 : end].rstrip().removesuffix(")").rstrip()
        return unescape(body.rstrip(quote)), end
    return unescape(match.group(1)), match.end()


def parse_call_args(text: str, pos: int) -> tuple[dict[str, Any], list[Any], int]:
    """Arguments after `name(`; a missing `)` at the end of the text is repaired."""
    kwargs: dict[str, Any] = {}
    args: list[Any] = []
    n = len(text)
    for _ in range(32):
        while pos < n and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= n:
            return kwargs, args, pos
        if text[pos] == ")":
            return kwargs, args, pos + 1
        key_match = _KEY.match(text, pos)
        key = None
        if key_match:
            key, pos = key_match.group(1), key_match.end()
        value: Any
        if pos < n and text[pos] in "'\"":
            value, pos = _quoted(text, pos)
        elif pos < n and text[pos] in "([{":
            value, pos = parse_literal(text, pos)
        else:
            bare = _BARE.match(text, pos)
            raw = bare.group().strip() if bare else ""
            pos = bare.end() if bare else pos + 1
            value = _NAMED.get(raw, raw)
            if isinstance(value, str) and _NUMBER.fullmatch(value):
                value = _number(value)
        if key is None:
            args.append(value)
        else:
            kwargs[key] = value
    raise LiteralError("a call has too many arguments")


def first_call(text: str, names: frozenset[str]) -> int:
    """Where the first `name(` call with a known name starts (len(text) when there is none)."""
    if "(" not in text:
        return len(text)
    pos = 0
    for _ in range(10_000):
        match = _CALL_START.search(text, pos)
        if match is None:
            break
        if match.group(1).lower() in names:
            return match.start()
        pos = match.end()
    return len(text)


def find_calls(text: str, names: frozenset[str] | None = None) -> list[tuple[str, dict[str, Any], list[Any]]]:
    """Every `name(...)` call in `text`, in order (only `names` when given); capped at MAX_CALLS."""
    calls: list[tuple[str, dict[str, Any], list[Any]]] = []
    pos = 0
    while len(calls) < MAX_CALLS:
        match = _CALL_START.search(text, pos)
        if match is None:
            break
        name = match.group(1)
        if names is not None and name.lower() not in names:
            pos = match.end()
            continue
        kwargs, args, pos = parse_call_args(text, match.end())
        calls.append((name, kwargs, args))
    return calls


# --- numbers and points -----------------------------------------------------------------------
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def numbers(text: str, limit: int = 8) -> list[float]:
    """The first `limit` numbers in `text` (a box, a point, `<point>x y</point>`...)."""
    found: list[float] = []
    for match in _NUMBER.finditer(text, 0, min(len(text), 4096)):
        found.append(float(match.group()))
        if len(found) >= limit:
            break
    return found


def as_numbers(value: Any) -> list[float]:
    """Numbers from a string ('(x,y)', '<point>x y</point>') or a (nested) list of numbers."""
    if isinstance(value, str):
        return numbers(value)
    out: list[float] = []
    stack = [value]
    while stack and len(out) < 9:
        item = stack.pop(0)
        if isinstance(item, bool):
            continue
        if isinstance(item, int | float):
            out.append(float(item))
        elif isinstance(item, list | tuple):
            stack = list(item) + stack
        elif isinstance(item, str):
            out.extend(numbers(item, 4))
    return out
