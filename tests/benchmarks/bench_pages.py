"""The pages the step benchmarks click on, served on 127.0.0.1; standard library only, so the peer
benchmark (another virtualenv) serves the very same bytes.

Both pages lay out two toggles at fixed places; a click on either flips a panel's colour and text,
so every step changes the screen (as real steps do) without navigating. FORM is a sign-up form of
the usual size; MANY has 500 interactive elements, where a DOM-walking agent pays for its walk.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOGGLES = {"Toggle A": (1000, 120), "Toggle B": (1000, 220)}
"""The two click targets (CSS pixels of a 1288x728 viewport): their centres."""

_TOGGLES_HTML = """
<button id="a" onclick="flip('A')" style="position:absolute;left:940px;top:100px;width:120px;height:40px">
Toggle A</button>
<button id="b" onclick="flip('B')" style="position:absolute;left:940px;top:200px;width:120px;height:40px">
Toggle B</button>
<div id="panel" style="position:absolute;left:900px;top:300px;width:300px;height:200px;background:#dde;
 font:20px sans-serif;padding:10px">nothing toggled yet</div>
<script>
let flips = 0;
function flip(name) {
  flips += 1;
  const panel = document.getElementById("panel");
  panel.style.background = flips % 2 ? "#fd9" : "#9df";
  panel.textContent = "toggled " + name + " (" + flips + ")";
}
</script>"""

FORM = f"""<!doctype html><html><head><title>Sign up</title></head>
<body style="margin:0;font:15px sans-serif;background:#f6f7f9">
<form style="position:absolute;left:40px;top:30px;width:760px" onsubmit="return false">
<h2>Create your account</h2>
<label>First name <input name="first" style="width:300px"></label><br><br>
<label>Last name <input name="last" style="width:300px"></label><br><br>
<label>Email <input name="email" type="email" style="width:340px"></label><br><br>
<label>Password <input name="password" type="password" style="width:300px"></label><br><br>
<label>Country <select name="country"><option>France</option><option>Japan</option><option>Kenya</option>
<option>Peru</option></select></label><br><br>
<label>Plan <select name="plan"><option>Free</option><option>Pro</option><option>Team</option></select>
</label><br><br>
<label><input type="checkbox" name="news"> Send me the newsletter</label><br>
<label><input type="checkbox" name="terms"> I accept the terms</label><br><br>
<label>About you<br><textarea name="about" rows="4" cols="60"></textarea></label><br><br>
<button type="submit">Create account</button> <button type="reset">Clear</button>
<a href="#help" style="margin-left:20px">Help</a>
</form>{_TOGGLES_HTML}</body></html>"""


def _many() -> str:
    cells = []
    for i in range(470):
        kind = i % 3
        if kind == 0:
            cells.append(f'<button style="width:60px;height:20px;font-size:10px">b{i}</button>')
        elif kind == 1:
            cells.append(
                f'<a href="#i{i}" style="display:inline-block;width:60px;font-size:10px">link {i}</a>'
            )
        else:
            cells.append(f'<input value="{i}" style="width:54px;height:14px;font-size:10px">')
    inputs = "".join(f'<label style="font-size:10px">f{i} <input type="checkbox"></label>' for i in range(28))
    return (
        '<!doctype html><html><head><title>500 elements</title></head><body style="margin:0;'
        'font:12px sans-serif;background:#fff"><div style="position:absolute;left:10px;top:10px;width:880px">'
        + "".join(cells)
        + "<br>"
        + inputs
        + f"</div>{_TOGGLES_HTML}</body></html>"
    )


MANY = _many()
PAGES = {"/form.html": FORM, "/many.html": MANY}


class PageSite:
    """PAGES on 127.0.0.1 at a free port (a thread of this process)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = PAGES.get(self.path.split("#")[0].split("?")[0])
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
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
