"""The web shop under test: a catalog, a cart, a checkout form and an orders API, on 127.0.0.1.

Placing an order creates it in memory with status "processing"; `GET /api/orders/<id>` returns it as
JSON (what the `lookup_order` tool reads). Order A-1001 exists from the start.
"""

# ruff: noqa: E501  (the page's HTML and JavaScript read better unwrapped)

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

CATALOG = """<!doctype html><html><head><title>Mug shop</title><style>
body{font:16px sans-serif;margin:0;background:#fafafa} header{background:#1e293b;color:#fff;padding:14px 24px}
#cart{float:right} .product{display:inline-block;width:220px;margin:24px;padding:16px;background:#fff;
border:1px solid #cbd5e1;border-radius:8px} .product button{margin-top:10px;width:100%;height:36px;
border:0;border-radius:6px;background:#2563eb;color:#fff;font-size:15px}
#checkout{display:block;margin:0 24px;width:200px;height:40px;line-height:40px;text-align:center;
background:#15803d;color:#fff;text-decoration:none;border-radius:6px}
</style></head><body><header>Mug shop <span id="cart">Cart: <b id="count">0</b></span></header>
<div class="product"><h3>Blue mug</h3><p>$12</p><button id="add-blue">Add to cart</button></div>
<div class="product"><h3>Red mug</h3><p>$14</p><button id="add-red">Add to cart</button></div>
<a id="checkout" href="/checkout">Checkout</a>
<script>
for (const id of ['add-blue', 'add-red']) document.getElementById(id).addEventListener('click', () => {
  const cart = JSON.parse(sessionStorage.cart || '[]'); cart.push(id.slice(4)); sessionStorage.cart = JSON.stringify(cart);
  document.getElementById('count').textContent = cart.length;
});
document.getElementById('count').textContent = JSON.parse(sessionStorage.cart || '[]').length;
</script></body></html>"""

CHECKOUT = """<!doctype html><html><head><title>Checkout</title><style>
body{font:16px sans-serif;margin:0;background:#fafafa} header{background:#1e293b;color:#fff;padding:14px 24px}
form{margin:24px;width:360px} label{display:block;margin:14px 0 4px} input{width:340px;height:30px;font-size:16px}
#place{margin-top:20px;width:200px;height:40px;border:0;border-radius:6px;background:#b91c1c;color:#fff;font-size:16px}
#done{margin:24px;font-size:22px;color:#15803d}
</style></head><body><header>Checkout</header>
<form id="form"><p id="items"></p>
<label for="name">Full name</label><input id="name" autocomplete="off">
<label for="email">Email</label><input id="email" type="email" autocomplete="off">
<button id="place" type="submit">Place order</button></form>
<p id="done" hidden></p>
<script>
const cart = JSON.parse(sessionStorage.cart || '[]');
document.getElementById('items').textContent = cart.length + ' item(s): ' + cart.join(', ');
document.getElementById('form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const field = (id) => document.getElementById(id).value;
  const body = JSON.stringify({name: field('name'), email: field('email'), items: cart});
  const order = await (await fetch('/api/orders', {method: 'POST', body})).json();
  sessionStorage.cart = '[]';
  const done = document.getElementById('done');
  document.getElementById('form').hidden = true; done.hidden = false;
  done.textContent = 'Thank you! Your order number is ' + order.id + '.';
});
</script></body></html>"""


class Shop:
    """The shop on 127.0.0.1 at a free port; `orders` holds every order by id."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, object]] = {
            "A-1001": {"id": "A-1001", "name": "Grace Hopper", "items": ["red"], "status": "shipped"}
        }
        self.api_calls: list[str] = []
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: str, kind: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/":
                    self._send(200, CATALOG, "text/html")
                elif path == "/checkout":
                    self._send(200, CHECKOUT, "text/html")
                elif path.startswith("/api/orders/"):
                    shop.api_calls.append(path)
                    order = shop.orders.get(path.rsplit("/", 1)[-1])
                    self._send(
                        200 if order else 404,
                        json.dumps(order or {"error": "no such order"}),
                        "application/json",
                    )
                else:
                    self._send(404, "not found", "text/plain")

            def do_POST(self) -> None:
                if self.path != "/api/orders":
                    self._send(404, "not found", "text/plain")
                    return
                data = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                order_id = f"A-{1001 + len(shop.orders)}"
                shop.orders[order_id] = {"id": order_id, **data, "status": "processing"}
                self._send(200, json.dumps(shop.orders[order_id]), "application/json")

            def log_message(self, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="shop", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Shop:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def main() -> None:
    """`python -m shop_checks.shop`: serve the shop until Ctrl-C (for `langgraph dev` by hand)."""
    with Shop() as shop:
        print(f"the shop is at {shop.url}/ (export SHOP_URL={shop.url})", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
