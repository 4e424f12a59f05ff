"""What text the focused field holds: a UI test checks that its typing arrived. (What kind of field has
the focus, for the risk guard, is browser_target's job: it also reads closed roots and foreign frames.)

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


async def focused_text(page: Page, *, timeout_s: float = 5.0) -> str | None:
    """The text in the focused text field (its value; an editable element's text), or None when no
    text field has the focus: how a test tells that typing reached a field. Raises when the page
    cannot say (closed, busy): unlike None, that is no evidence either way."""
    text = await asyncio.wait_for(page.evaluate(FOCUSED_TEXT_JS), timeout_s)
    return text if isinstance(text, str) else None
