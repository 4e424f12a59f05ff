"""The bundled demo site is served from the package on loopback."""

from __future__ import annotations

import urllib.request

from anyres_agent.agent.demo_site import PAGES, serve_demo_site


def test_every_page_is_served_from_loopback_and_fetches_nothing_else() -> None:
    with serve_demo_site() as site:
        assert site.url.startswith("http://127.0.0.1:")
        for page in (*PAGES, "style.css", "demo.js"):
            with urllib.request.urlopen(site.page(page), timeout=5) as response:
                body = response.read().decode()
                assert response.status == 200
            assert "http://" not in body and "https://" not in body
