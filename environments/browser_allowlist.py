"""The domain allow-list, enforced on the network rather than trusted to the prompt.

A prompt that says "stay on example.com" does not stop a page (or an injected instruction) from
sending the agent elsewhere; aborting every request to another host does. Allowed means the exact
host or any subdomain of an allowed domain. Local schemes (data:, blob:, about:) carry no host and
always pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

LOCAL_SCHEMES: frozenset[str] = frozenset({"data", "blob", "about", "chrome-error", "devtools"})


def _normalize_domain(domain: str) -> str:
    text = domain.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.strip(".")
    if text.startswith("*."):
        text = text[2:]
    if not text:
        raise ValueError(f"not a domain: {domain!r}")
    return text


class DomainAllowList:
    """Which hosts the browser may talk to; `None` domains means everything is allowed."""

    def __init__(self, domains: Iterable[str] | None) -> None:
        self.domains: tuple[str, ...] | None = (
            None if domains is None else tuple(dict.fromkeys(_normalize_domain(d) for d in domains))
        )

    @property
    def active(self) -> bool:
        return self.domains is not None

    def host_allowed(self, host: str) -> bool:
        if self.domains is None:
            return True
        host = host.lower().strip(".").strip("[]")
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def blocked_host(self, url: str) -> str | None:
        """The host a request would reach when it is not allowed, else None."""
        if self.domains is None:
            return None
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return None
        host = parts.hostname or ""
        if parts.scheme == "file":
            return None if "file" in self.domains else "file://"
        return None if host and self.host_allowed(host) else (host or url)

    def message(self, host: str) -> str:
        allowed = ", ".join(self.domains or ())
        return f"blocked request to {host} (not in the allowed domains: {allowed})"
