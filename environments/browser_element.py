"""What element is at a point of the page, as a short stable description (for the locate cache).

A cached locate is a point; after a redesign that point may show a look-alike (another empty input,
a read-only copy) that hashes the same. The description names the element itself: its tag, type,
name, role, labels and (for buttons and links) its text; an id only when it looks hand-written
(framework ids such as `:r1:` or `input-1234` change between runs). It follows open shadow roots and
same-origin frames. Nothing here depends on where the element is.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Page

ELEMENT_AT_JS = """([px, py]) => {
  let x = px, y = py, el = document.elementFromPoint(x, y);
  for (let depth = 0; el && depth < 8; depth++) {
    if (el.shadowRoot) {
      const inner = el.shadowRoot.elementFromPoint(x, y);
      if (inner && inner !== el) { el = inner; continue; }
    }
    if (el.tagName === "IFRAME" || el.tagName === "FRAME") {
      let doc = null;
      try { doc = el.contentDocument; } catch (e) {}
      if (!doc) break;  // a cross-origin frame: the frame itself is what is there
      // the frame's own viewport starts inside its border and padding (as in browser_target)
      const r = el.getBoundingClientRect(), s = getComputedStyle(el);
      x -= r.left + el.clientLeft + parseFloat(s.paddingLeft);
      y -= r.top + el.clientTop + parseFloat(s.paddingTop);
      const inner = doc.elementFromPoint(x, y);
      if (!inner) break;
      el = inner;
      continue;
    }
    break;
  }
  if (!el) return null;
  const control = "input,textarea,select,button,a,label,option,summary,"
    + "[role],[contenteditable],[onclick],[tabindex]";
  const target = el.closest(control) || el;
  const clip = (s) => (s || "").replace(/\\s+/g, " ").trim().slice(0, 60);
  const tag = target.tagName.toLowerCase();
  const parts = [tag];
  if (target.id && !/[0-9:]/.test(target.id)) parts.push("#" + target.id);
  for (const name of ["type", "name", "role", "aria-label", "placeholder", "title", "href"]) {
    const value = target.getAttribute(name);
    if (value) parts.push("[" + name + "=" + clip(value) + "]");
  }
  if (target.readOnly) parts.push("[readonly]");
  if (target.disabled) parts.push("[disabled]");
  if (target.labels && target.labels.length) parts.push("label=" + clip(target.labels[0].textContent));
  const named = /^(button|a|label|option|summary)$/.test(tag) || target.hasAttribute("role");
  if (named && target !== document.body) {
    const text = clip(target.innerText);
    if (text) parts.push("text=" + text);
  }
  return parts.join(" ");
}"""


async def element_at(page: Page, x: float, y: float, *, timeout_s: float = 5.0) -> str | None:
    """The description of the element at (x, y) in CSS pixels, or None when there is none. Raises
    when the page cannot say (closed, busy)."""
    found = await asyncio.wait_for(page.evaluate(ELEMENT_AT_JS, [x, y]), timeout_s)
    return found if isinstance(found, str) and found else None
