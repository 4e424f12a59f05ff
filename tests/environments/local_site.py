"""A local website for the browser tests: small pages with elements at known places, on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


class Site:
    """A threaded HTTP server on 127.0.0.1 serving PAGES; `/hang` never answers; it logs each path."""

    def __init__(self) -> None:
        site = self
        self.requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path.startswith("/hang"):
                    time.sleep(5)
                    return
                if self.path.startswith("/embeds-blocked.html"):
                    body = (
                        f'<html><body>blocked image below<img src="http://localhost:{site.port}/pixel.png">'
                        "<script>try { new WebSocket('ws://evil.example/socket') } catch (e) {}</script>"
                        "</body></html>"
                    )
                else:
                    body = PAGES.get(self.path.split("?")[0])
                    if body is None:
                        self.send_error(404)
                        return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path
