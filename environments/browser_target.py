"""What a browser action is about to land on: the element under a point, the field with the focus.

The walk goes through open shadow roots in the page's own script and into every frame, cross-origin
ones included, through Playwright's frame handles (a page's script cannot see into a cross-origin
frame; the adapter can). A closed shadow root hides its content from every script; the DevTools
protocol still sees into it (DOM.getNodeForLocation and DOM.describeNode with pierce reach closed
roots: https://chromedevtools.github.io/devtools-protocol/tot/DOM/), in the top frame and in any frame
running in a process of its own (a cross-site frame). Where even that is out of reach (a closed root
in a same-site child frame) the answer says `hidden`, and the risk guard treats that as risky: it
fails closed, not open.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from anyres_agent.environments.base import Target

if TYPE_CHECKING:
    from playwright.async_api import CDPSession, Frame, Page

MAX_TEXT = 120  # characters of an element's text kept in its description
MAX_DEPTH = 8  # frames and closed shadow roots followed down, at most

# An element's role, words and field kind, from the element itself and the nearest thing one can act
# on around it (a click on the text inside a button is a click on the button). `opaque`: an element
# that may host a closed shadow root the focus or the point went into (script cannot tell for sure):
# for the focus, one that has it without being focusable; for a point, an empty one that could host.
DESCRIBE_JS = r"""(el, focus) => {
  if (el && el.nodeType === 3) el = el.parentElement;
  if (!el || !el.tagName) return null;
  const act = el.closest('a[href],button,input,select,textarea,label,summary,option,[role],[onclick],'
    + '[contenteditable=""],[contenteditable=true],[tabindex]') || el;
  const tag = act.tagName.toLowerCase();
  const type = tag === 'input' ? (act.type || 'text') : '';
  const buttonish = ['button', 'submit', 'reset', 'image'].includes(type);
  const roles = {a: 'link', button: 'button', select: 'list', textarea: 'field', summary: 'button',
    label: 'label', option: 'option', input: buttonish ? 'button' : (type === 'checkbox' || type === 'radio')
    ? type : 'field'};
  const role = act.getAttribute('role') || roles[tag] || tag;
  const own = [...act.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join(' ');
  const words = [act.getAttribute('aria-label'), act.labels && act.labels[0] && act.labels[0].innerText,
    buttonish ? act.value : '', act.placeholder, act.title, act.alt,
    act === el && !act.closest('a,button,[role]') ? own : act.innerText,
    act.querySelector && (act.querySelector('img[alt]') || {}).alt, type ? act.name : ''];
  const text = (words.find(w => w && w.trim()) || '').replace(/\s+/g, ' ').trim();
  const field = tag === 'input' && !buttonish && type !== 'checkbox' && type !== 'radio' ? type
    : tag === 'textarea' ? 'textarea' : act.isContentEditable ? tag : null;
  const focusable = field || ['a', 'button', 'select', 'summary', 'iframe', 'frame'].includes(tag)
    || act.hasAttribute('tabindex');
  const host = el.tagName.includes('-') || ['article', 'aside', 'blockquote', 'div', 'footer', 'h1', 'h2',
    'h3', 'h4', 'h5', 'h6', 'header', 'main', 'nav', 'p', 'section', 'span']
    .includes(el.tagName.toLowerCase());
  const opaque = host && !el.shadowRoot && !focusable
    && (focus || (el.children.length === 0 && !el.innerText.trim()));
  return {role, text: text.slice(0, MAX_TEXT), field, opaque, frame: tag === 'iframe' || tag === 'frame'};
}""".replace("MAX_TEXT", str(MAX_TEXT))

DEEPEST_FOCUS_JS = """(start) => {
  let el = start || document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el && el !== document.body && el !== document.documentElement ? el : null;
}"""

DEEPEST_POINT_JS = """([x, y]) => {
  let el = document.elementFromPoint(x, y);
  while (el && el.shadowRoot) {
    const inner = el.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === el) break;
    el = inner;
  }
  if (!el) return null;
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  // where a child frame's own viewport starts: inside the border and the padding
  return {el, left: r.left + el.clientLeft + parseFloat(s.paddingLeft),
          top: r.top + el.clientTop + parseFloat(s.paddingTop)};
}"""


# The common cases in one round trip: the element under a point, or with the focus, described at once
# (for a point, with where a frame there starts). Only a frame (entered through its element's handle)
# or a possible closed root (read through the DevTools protocol) takes a slower way.
POINT_DESCRIBED_JS = f"""([x, y]) => {{
  const found = ({DEEPEST_POINT_JS})([x, y]);
  return found === null ? null : {{...({DESCRIBE_JS})(found.el, false), left: found.left, top: found.top}};
}}"""
POINT_ELEMENT_JS = f"""([x, y]) => {{
  const found = ({DEEPEST_POINT_JS})([x, y]);
  return found === null ? null : found.el;
}}"""
FOCUS_DESCRIBED_JS = f"""() => {{
  const el = ({DEEPEST_FOCUS_JS})(null);
  return el === null ? null : ({DESCRIBE_JS})(el, true);
}}"""


def _simple(described: Any) -> bool:
    """A description that needs no further walk: not a frame, not a possible closed shadow root."""
    return isinstance(described, dict) and not described["frame"] and not described["opaque"]


def _target(found: dict[str, Any] | None, location: str) -> Target | None:
    if not found:
        return None
    words = f' "{found["text"]}"' if found.get("text") else ""
    return Target(description=f"{found['role']}{words}", field=found.get("field"), location=location)


async def _describe_by_protocol(session: CDPSession, object_id: str, *, focus: bool) -> dict[str, Any] | None:
    call = f"function(focus) {{ return ({DESCRIBE_JS})(this, focus) }}"
    answer = await session.send(
        "Runtime.callFunctionOn",
        {"objectId": object_id, "functionDeclaration": call, "arguments": [{"value": focus}],
         "returnByValue": True},
    )  # fmt: skip
    value = answer.get("result", {}).get("value")
    return value if isinstance(value, dict) else None


async def _closed_root_focus(session: CDPSession, host_id: str) -> str | None:
    """The element focused inside `host`'s closed shadow root (the DevTools protocol sees closed roots)."""
    node = (await session.send("DOM.describeNode", {"objectId": host_id, "pierce": True, "depth": 1}))["node"]
    for root in node.get("shadowRoots", []):
        resolved = await session.send("DOM.resolveNode", {"backendNodeId": root["backendNodeId"]})
        inner = await session.send(
            "Runtime.callFunctionOn",
            {"objectId": resolved["object"]["objectId"],
             "functionDeclaration": f"function() {{ return ({DEEPEST_FOCUS_JS})(this.activeElement) }}"},
        )  # fmt: skip
        object_id = inner.get("result", {}).get("objectId")
        if object_id:
            return str(object_id)
    return None


async def _session(frame: Frame, page: Page) -> CDPSession | None:
    """A DevTools session whose default context is `frame`: the page's for the top frame, the frame's
    own for a frame in another process (a cross-site one); None for a same-process child frame."""
    try:
        return await page.context.new_cdp_session(page if frame == page.main_frame else frame)
    except Exception:  # not a target of its own
        return None


def _unreadable(role: str, frame: Frame) -> Target:
    return Target(
        description=f"{role} whose content a closed shadow root hides", location=frame.url, hidden=True
    )


async def _closed_focus(frame: Frame, page: Page, role: str) -> Target | None:
    """The focused element of `frame`, through closed shadow roots (DevTools protocol)."""
    session = await _session(frame, page)
    if session is None:
        return _unreadable(role, frame)
    try:
        found = await session.send("Runtime.evaluate", {"expression": f"({DEEPEST_FOCUS_JS})(null)"})
        object_id = found.get("result", {}).get("objectId")
        for _ in range(MAX_DEPTH):
            if not object_id:
                return None
            described = await _describe_by_protocol(session, object_id, focus=True)
            if described is None or not described["opaque"]:
                return _target(described, frame.url)
            inner = await _closed_root_focus(session, object_id)
            if inner is None:  # no closed root: the element itself has the focus
                return _target({**described, "opaque": False}, frame.url)
            object_id = inner
        return Target(
            description="a field inside nested closed shadow roots", location=frame.url, hidden=True
        )
    finally:
        await session.detach()


async def _child_frame(frame: Frame, script: str, argument: Any, depth: int) -> Frame | Target:
    """The frame held by the iframe element `script` finds in `frame`, or a hidden target when it
    cannot be entered. The element's handle is released at once."""
    handle = await frame.evaluate_handle(script, argument)
    try:
        element = handle.as_element()
        child = None if element is None else await element.content_frame()
    finally:
        await handle.dispose()
    if child is None or depth >= MAX_DEPTH:
        return Target(description="a frame the adapter cannot enter", location=frame.url, hidden=True)
    return child


async def _focus_in(frame: Frame, page: Page, depth: int) -> Target | None:
    quick = await frame.evaluate(FOCUS_DESCRIBED_JS)
    if quick is None or _simple(quick):
        return _target(quick, frame.url)
    if quick["frame"]:
        child = await _child_frame(frame, DEEPEST_FOCUS_JS, None, depth)
        return child if isinstance(child, Target) else await _focus_in(child, page, depth + 1)
    return await _closed_focus(frame, page, quick["role"])


async def _closed_point(frame: Frame, page: Page, x: float, y: float, role: str) -> Target | None:
    """The element under (x, y) of `frame`, through closed shadow roots (DevTools protocol)."""
    session = await _session(frame, page)
    if session is None:
        return _unreadable(role, frame)
    try:
        node = await session.send("DOM.getNodeForLocation", {"x": round(x), "y": round(y)})
        resolved = await session.send("DOM.resolveNode", {"backendNodeId": node["backendNodeId"]})
        described = await _describe_by_protocol(session, resolved["object"]["objectId"], focus=False)
        return _target(described, frame.url)
    finally:
        await session.detach()


async def _point_in(frame: Frame, page: Page, x: float, y: float, depth: int) -> Target | None:
    quick = await frame.evaluate(POINT_DESCRIBED_JS, [x, y])
    if quick is None or _simple(quick):
        return _target(quick, frame.url)
    if quick["frame"]:
        child = await _child_frame(frame, POINT_ELEMENT_JS, [x, y], depth)
        if isinstance(child, Target):
            return child
        return await _point_in(child, page, x - quick["left"], y - quick["top"], depth + 1)
    return await _closed_point(frame, page, x, y, quick["role"])


async def focused_target(page: Page, *, timeout_s: float = 5.0) -> Target | None:
    """The field (or other element) with the keyboard focus, in whichever frame holds it; None when
    nothing is focused or the page cannot answer. Never raises: this is a hint for a guard."""
    try:
        return await asyncio.wait_for(_focus_in(page.main_frame, page, 0), timeout_s)
    except Exception:  # a closed or busy page: unknown
        return None


async def target_at(page: Page, x: float, y: float, *, timeout_s: float = 5.0) -> Target | None:
    """The element under (x, y) in CSS pixels of the viewport, in whichever frame it lies; None when
    the page cannot answer. Never raises."""
    try:
        return await asyncio.wait_for(_point_in(page.main_frame, page, x, y, 0), timeout_s)
    except Exception:
        return None
