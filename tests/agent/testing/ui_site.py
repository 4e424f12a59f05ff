"""A local login site whose stylesheet can be swapped, and a scripted 'model' that answers from the live page.

The oracle plays the model honestly: for a grounding prompt it finds which known description the
prompt asks about, measures that element in the page *right now* with Playwright and writes the box in
the family's own format for the request's frame; for a judge prompt it evaluates a JavaScript
expression over the page's DOM and answers with JSON. Nothing about positions is hard-coded, so when
the stylesheet moves everything the 'model' moves with it, as a real one would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from page_server import PageServer, Reply

from anyres_agent.agent.testing.judge import JUDGE_MARKER
from anyres_agent.model.answer import Box
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families.base import Family

LOGIN_PAGE = """<!doctype html><html><head><title>Sign in</title><link rel="stylesheet" href="/style.css">
</head><body><main id="card"><h1>Sign in</h1>
<form id="form">
  <div class="field"><label for="user">User name</label><input id="user" autocomplete="off"></div>
  <div class="field"><label for="pass">Password</label><input id="pass" type="password"></div>
  <div class="buttons"><button id="cancel" type="button">Cancel</button>
  <button id="login" type="submit">Login</button></div>
</form>
<p id="banner" hidden></p>
<ul id="inbox" hidden><li>Invoice from ACME</li><li>Lunch on Friday?</li>
<li>Your parcel is on its way</li></ul>
</main>
<script>
window.events = [];
for (const id of ['user', 'pass', 'cancel', 'login'])
  document.getElementById(id).addEventListener('mousedown', () => events.push(id));
document.getElementById('cancel').addEventListener('click', () => { user.value = ''; pass.value = ''; });
document.getElementById('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const ok = pass.value === 'secret';
  setTimeout(() => {
    banner.textContent = ok ? 'Hello ' + user.value[0].toUpperCase() + user.value.slice(1) : 'Wrong password';
    banner.hidden = false; inbox.hidden = !ok;
  }, Number(new URLSearchParams(location.search).get('delay') || 0));
});
</script></body></html>"""

CLASSIC_CSS = """body{font:16px sans-serif;margin:0;background:#fff}
#card{position:absolute;left:40px;top:30px;width:320px}
.field{margin:0 0 14px}label{display:block;margin:0 0 4px}input{width:300px;height:28px;font-size:16px}
.buttons{display:flex;gap:12px}button{width:120px;height:36px;font-size:16px;border:0;color:#fff}
#login{background:#2563eb}#cancel{background:#6b7280}
#banner{font-size:22px;color:#15803d}"""

REDESIGN_CSS = """body{font:16px sans-serif;margin:0;background:#f1f5f9}
#card{position:absolute;left:430px;top:120px;width:340px;padding:24px;background:#fff;border-radius:12px}
h1{font-size:28px;color:#0f172a}
.field{display:flex;align-items:center;gap:10px;margin:0 0 18px}
label{width:110px;text-align:right}input{width:190px;height:34px;font-size:16px}
.buttons{display:flex;flex-direction:row-reverse;justify-content:flex-end;gap:20px}
button{width:140px;height:44px;font-size:16px;border-radius:22px;border:0;color:#fff}
#login{background:#15803d}#cancel{background:#b91c1c}
#banner{font-size:26px;color:#1d4ed8}"""

LONG_PAGE = """<!doctype html><html><body style="margin:0;font:16px sans-serif">
<div style="height:2400px;background:linear-gradient(#fff,#cbd5e1)">Terms and conditions ...</div>
<a id="footer" href="#" style="display:block;width:200px;height:40px;line-height:40px;text-align:center;
background:#0f172a;color:#fff" onclick="window.footerClicked = true; return false">Contact us</a>
<div style="height:200px"></div></body></html>"""

LOGIN_TARGETS = {
    "the user name field": "#user",
    "the password field": "#pass",
    "the Login button": "#login",
    "the Cancel button": "#cancel",
    "the footer link": "#footer",
}


class LoginSite(PageServer):
    """127.0.0.1 on a free port; `style` picks the stylesheet served (the 'deploy' of a redesign)."""

    def __init__(self) -> None:
        self.style = CLASSIC_CSS
        pages = {"/login.html": (LOGIN_PAGE, "text/html"), "/long.html": (LONG_PAGE, "text/html")}

        def answer(method: str, path: str) -> Reply | None:
            path = path.split("?")[0]
            return (self.style, "text/css") if path == "/style.css" else pages.get(path)

        super().__init__(answer)


class PageOracle:
    """A scripted backend's callable: grounding answers from element geometry, judge answers from the DOM.

    `statements` and `questions` map the exact text a test asks to a JavaScript expression evaluated in
    the page: for a statement it returns `{result, reason}`, for a question the value.
    """

    def __init__(
        self,
        family: Family,
        page: Callable[[], Any],
        *,
        targets: dict[str, str] | None = None,
        statements: dict[str, str] | None = None,
        questions: dict[str, str] | None = None,
    ) -> None:
        self.family = family
        self.page = page
        self.targets = dict(LOGIN_TARGETS if targets is None else targets)
        self.statements = dict(statements or {})
        self.questions = dict(questions or {})
        self.grounded: list[str] = []
        self.judged: list[str] = []

    async def __call__(self, request: ModelRequest) -> str:
        text = "\n".join(m.plain_text() for m in request.messages)
        if JUDGE_MARKER in text:
            return await self._judge(text)
        asked = [d for d in self.targets if d in text]
        if not asked or request.frame is None:
            return "I do not see that element."
        description = max(asked, key=len)
        self.grounded.append(description)
        rect = await self.page().locator(self.targets[description]).bounding_box()
        box = Box(
            x1=round(rect["x"]),
            y1=round(rect["y"]),
            x2=round(rect["x"] + rect["width"]),
            y2=round(rect["y"] + rect["height"]),
        )
        return self.family.render_grounding(box, request.frame)

    async def _judge(self, text: str) -> str:
        for statement, script in self.statements.items():
            if f"Statement: {statement}\n" in text:
                self.judged.append(statement)
                verdict = await self.page().evaluate(script)
                return json.dumps(verdict)
        for question, script in self.questions.items():
            if f"Question: {question}\n" in text:
                self.judged.append(question)
                return json.dumps({"result": await self.page().evaluate(script)})
        return '{"result": false, "reason": "the oracle was not told about this statement"}'


BANNER_SAYS = (
    "(() => {{ const b = document.getElementById('banner');"
    " const text = b.hidden ? '' : b.textContent;"
    " return {{result: text === {expected!r}, reason: text ? 'the banner reads \"' + text + '\"'"
    " : 'there is no banner on the page'}} }})()"
)


def banner_says(expected: str) -> str:
    """A DOM check for 'the welcome banner says <expected>', with the text actually shown as the reason."""
    return BANNER_SAYS.format(expected=expected)
