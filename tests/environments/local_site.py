"""A local website for the browser tests: small pages with elements at known places, on 127.0.0.1."""

from __future__ import annotations

import time

from page_server import PageServer, Reply

PAGES: dict[str, str] = {
    "/corner.html": """<!doctype html><html><body style="margin:0">
<button id="far" style="position:fixed;right:40px;bottom:30px;width:90px;height:40px;background:#ff0000;
border:0">far</button>
<button id="near" style="position:fixed;left:10px;top:10px;width:60px;height:30px;background:#00c000;
border:0">near</button>
<script>window.clicks = [];
for (const b of document.querySelectorAll('button')) b.addEventListener('click', () => clicks.push(b.id));
</script></body></html>""",
    "/form.html": """<!doctype html><html><body>
<input id="name" style="position:absolute;left:20px;top:20px;width:300px;height:30px">
<input id="file" type="file" style="position:absolute;left:20px;top:80px;width:300px;height:30px">
<button id="ask" style="position:absolute;left:20px;top:140px;width:120px;height:30px"
 onclick="window.answer = confirm('Delete everything?')">ask</button>
</body></html>""",
    "/long.html": """<!doctype html><html><body style="margin:0">
<div style="height:6000px;background:linear-gradient(#fff,#00f)">long</div></body></html>""",
    "/tabs.html": """<!doctype html><html><body>
<a id="open" href="/second.html" target="_blank" style="position:absolute;left:20px;top:20px;
display:block;width:200px;height:40px;background:#ccc">open a tab</a></body></html>""",
    "/second.html": """<!doctype html><html><head><title>Second</title></head><body>
<button id="close" style="position:absolute;left:20px;top:20px;width:120px;height:40px"
 onclick="window.close()">close me</button></body></html>""",
    "/login.html": """<!doctype html><html><body style="margin:0">
<input id="user" style="position:absolute;left:20px;top:20px;width:200px;height:30px">
<input id="pass" type="password" style="position:absolute;left:20px;top:70px;width:200px;height:30px">
<textarea id="note" style="position:absolute;left:20px;top:120px;width:200px;height:40px"></textarea>
<div id="rich" contenteditable style="position:absolute;left:20px;top:180px;width:200px;height:30px">x</div>
<button id="go" style="position:absolute;left:20px;top:230px;width:100px;height:30px">go</button>
<iframe src="/inner.html" style="position:absolute;left:300px;top:20px;width:300px;height:100px;
border:0"></iframe></body></html>""",
    "/inner.html": """<!doctype html><html><body style="margin:0">
<input id="pin" type="password" style="position:absolute;left:10px;top:10px;width:200px;height:30px">
</body></html>""",
    "/pixel.png": "",
}


Site = PageServer


def serve_site() -> Site:
    """PAGES on 127.0.0.1; `/hang` answers only after 5 s (a navigation that never finishes in
    time); `embeds-blocked.html` pulls a resource from `localhost`, another host, for allow-list tests."""

    def answer(method: str, path: str) -> Reply | None:
        if path.startswith("/hang"):
            time.sleep(5)
            return None
        if path.startswith("/embeds-blocked.html"):
            return (
                f'<html><body>blocked image below<img src="http://localhost:{server.port}/pixel.png">'
                "<script>try { new WebSocket('ws://evil.example/socket') } catch (e) {}</script>"
                "</body></html>",
                "text/html",
            )
        body = PAGES.get(path.split("?")[0])
        return (body, "text/html") if body is not None else None

    server = PageServer(answer)
    return server
