"""A release checklist whose state lives on the server, like a real web app's, and a scripted model.

Because the server keeps the state, a fresh browser session (after a "process restart") shows the same
progress, and the server's hit log counts every click that reached the device: the proof that a
resumed run never executed an action twice. Clicks post with synchronous XHR, so a click has landed on
the server by the time the browser reports it done.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

from page_server import PageServer, Reply

from anyres_agent.model.conversation import ModelRequest
from anyres_agent.tools import Click, Finish

ITEMS = {"build": "Build", "test": "Test", "tag": "Tag", "publish": "Publish"}

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Release checklist</title><style>
body { font-family: sans-serif; margin: 24px; }
button { display: block; width: 320px; height: 56px; margin: 14px 0; font-size: 22px; }
button.done { background: #16a34a; color: white; }
</style></head><body><h1 id="title">Release checklist</h1>
BUTTONS
<script>
function render(state) {
  for (const [id, done] of Object.entries(state)) {
    const b = document.getElementById(id);
    b.className = done ? 'done' : '';
    b.textContent = b.dataset.label + (done ? ' - done' : '');
  }
}
function call(method, path) {
  const x = new XMLHttpRequest(); x.open(method, path, false); x.send(); render(JSON.parse(x.responseText));
}
for (const b of document.querySelectorAll('button')) {
  b.dataset.label = b.textContent;
  b.addEventListener('click', () => call('POST', '/click/' + b.id));
}
call('GET', '/state');
</script></body></html>"""


class BoardSite(PageServer):
    """The checklist server; `hits` lists every click the server received, in order."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self._lock = threading.Lock()
        buttons = "\n".join(f'<button id="{k}">{v}</button>' for k, v in ITEMS.items())
        page = PAGE.replace("BUTTONS", buttons)

        def answer(method: str, path: str) -> Reply:
            if method == "POST":
                with self._lock:
                    self.hits.append(path.rsplit("/", 1)[-1])
            elif path != "/state":
                return page, "text/html"
            return json.dumps(self.state()), "application/json"

        super().__init__(answer)

    def state(self) -> dict[str, bool]:
        with self._lock:
            return {item: item in self.hits for item in ITEMS}

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.hits)

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()


class BoardScript:
    """The scripted model: click the first item not done (measured on the live page), then finish.

    It reads the server's state the way a model reads the screen; if an action was lost it clicks
    again, and if an action did land it moves on, so duplicates can only come from the framework."""

    def __init__(self, env: Any, family: Any, site: BoardSite) -> None:
        self.env, self.family, self.site = env, family, site

    async def __call__(self, request: ModelRequest) -> str:
        assert request.frame is not None
        todo = [item for item, done in self.site.state().items() if not done]
        if not todo:
            return self.family.render(
                [Finish(success=True, message="Released.")], request.frame, thought="All done."
            )
        box = await self.env.page.locator(f"#{todo[0]}").bounding_box()
        assert box is not None
        x, y = round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)
        return self.family.render([Click(x=x, y=y)], request.frame, thought=f"Click {ITEMS[todo[0]]}.")
