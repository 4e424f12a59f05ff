"""An "attacker" on another loopback address that counts every hit, for the network-boundary tests.

Linux routes all of 127.0.0.0/8 to the loopback device, so a listener on 127.0.0.2 is a second host
as far as the browser is concerned, while nothing leaves the machine. Each attack vector gets its own
TCP and UDP port, so a hit names its vector even when it carries no request at all (a preconnect
opens a connection and sends nothing; a STUN probe is one datagram).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

ATTACKER_HOST = "127.0.0.2"
OK_REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


@dataclass
class _Port:
    sock: socket.socket
    hits: int = 0
    lines: list[str] = field(default_factory=list)


class Attacker:
    """Listeners on 127.0.0.2 that count TCP connections and UDP datagrams per vector name."""

    def __init__(self, host: str = ATTACKER_HOST) -> None:
        self.host = host
        self._tcp: dict[str, _Port] = {}
        self._udp: dict[str, _Port] = {}
        self._lock = threading.Lock()
        self._closed = False

    def tcp(self, name: str) -> int:
        """The TCP port of vector `name` (a listener answering every request with 200 "ok")."""
        if name not in self._tcp:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, 0))
            sock.listen(64)
            self._tcp[name] = port = _Port(sock)
            threading.Thread(target=self._accept, args=(port,), daemon=True).start()
        return int(self._tcp[name].sock.getsockname()[1])

    def udp(self, name: str) -> int:
        """The UDP port of vector `name` (every datagram counts; nothing is answered)."""
        if name not in self._udp:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((self.host, 0))
            self._udp[name] = port = _Port(sock)
            threading.Thread(target=self._receive, args=(port,), daemon=True).start()
        return int(self._udp[name].sock.getsockname()[1])

    def url(self, name: str, path: str = "/") -> str:
        return f"http://{self.host}:{self.tcp(name)}{path}"

    def hits(self, name: str) -> int:
        with self._lock:
            return sum(port.hits for port in (self._tcp.get(name), self._udp.get(name)) if port)

    def lines(self, name: str) -> list[str]:
        with self._lock:
            port = self._tcp.get(name)
            return list(port.lines) if port else []

    def all_hits(self) -> dict[str, int]:
        return {name: self.hits(name) for name in sorted(set(self._tcp) | set(self._udp))}

    def reset(self) -> None:
        with self._lock:
            for port in (*self._tcp.values(), *self._udp.values()):
                port.hits, port.lines = 0, []

    def close(self) -> None:
        self._closed = True
        for port in (*self._tcp.values(), *self._udp.values()):
            port.sock.close()

    def _accept(self, port: _Port) -> None:
        while not self._closed:
            try:
                conn, _ = port.sock.accept()
            except OSError:
                return
            with self._lock:
                port.hits += 1
            threading.Thread(target=self._serve, args=(port, conn), daemon=True).start()

    def _serve(self, port: _Port, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2.0)
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if data:
                with self._lock:
                    port.lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                try:
                    conn.sendall(OK_REPLY)
                except OSError:
                    return

    def _receive(self, port: _Port) -> None:
        while not self._closed:
            try:
                port.sock.recvfrom(65536)
            except OSError:
                return
            with self._lock:
                port.hits += 1
