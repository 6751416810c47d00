"""A real DNS server for the tests (dnslib, UDP and TCP on 127.0.0.1 and a free port) whose
TXT records a test sets, and which can be told to answer SERVFAIL or not at all."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dnslib import QTYPE, RCODE, RR, TXT, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class Zone(BaseResolver):  # type: ignore[misc]
    """TXT records by name; a name given no record answers NXDOMAIN."""

    def __init__(self) -> None:
        self.txt: dict[str, list[list[str]]] = {}
        self.misbehave: dict[str, str] = {}  # name → "servfail" or "silent"
        self.queries: list[str] = []
        self._lock = threading.Lock()
        self.released = threading.Event()

    def set_txt(self, name: str, *values: str | list[str]) -> None:
        """Publish TXT records at `name`; a str is split into 255-character strings, a list is
        sent as the strings given (as a DNS host that splits a long value does)."""
        records = [
            [v[i : i + 255] for i in range(0, len(v), 255)] if isinstance(v, str) else v
            for v in values
        ]
        with self._lock:
            self.txt[name.lower().rstrip(".")] = records

    def remove(self, name: str) -> None:
        with self._lock:
            self.txt.pop(name.lower().rstrip("."), None)

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        name = str(request.q.qname).rstrip(".").lower()
        self.queries.append(name)
        reply = request.reply()
        behaviour = self.misbehave.get(name) or self.misbehave.get("*")
        if behaviour == "silent":
            self.released.wait(10)  # longer than any lookup waits
            return reply
        if behaviour == "servfail":
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        with self._lock:
            records = self.txt.get(name)
        if records is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for strings in records:
                reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(strings), ttl=60))
        return reply


def _free_port() -> int:
    # Free for both protocols: the UDP and the TCP server share it.
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port for the test DNS server")


@contextmanager
def serve_dns() -> Iterator[tuple[Zone, str]]:
    """Yield the zone and the `host:port` for SEGMENTFLOW_DNS_NAMESERVERS."""
    zone = Zone()
    port = _free_port()
    quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    servers = [
        DNSServer(zone, port=port, address="127.0.0.1", logger=quiet),
        DNSServer(zone, port=port, address="127.0.0.1", logger=quiet, tcp=True),
    ]
    for server in servers:
        server.start_thread()
    try:
        yield zone, f"127.0.0.1:{port}"
    finally:
        zone.released.set()
        for server in servers:
            server.stop()
        time.sleep(0)
