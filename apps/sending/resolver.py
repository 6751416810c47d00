"""TXT lookups for domain checks, through the resolver SEGMENTFLOW_DNS_NAMESERVERS names.

Every answer is one of three kinds, because they mean different things for a domain: the
records found; definitely none (NXDOMAIN, or the name has no TXT record); or no answer this time
(a timeout, SERVFAIL, no server reachable), which must never by itself unverify a domain.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class TxtAnswer:
    # Each record's strings joined, as RFC 7208/6376 read them; none: definitely no record.
    records: tuple[str, ...] = ()
    temporary: str = ""  # why there was no answer this time

    @property
    def answered(self) -> bool:
        return not self.temporary


@functools.cache
def parse_nameservers(raw: str) -> tuple[dns.nameserver.Nameserver, ...]:
    """`host`, `host:port`, `[v6]:port`, comma-separated; host names are resolved once, on the
    first check (not on every one)."""
    servers: list[dns.nameserver.Nameserver] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        host, port = item, 53
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            if rest.startswith(":"):
                port = _port(rest[1:], item)
        elif item.count(":") == 1:
            host, _, port_text = item.partition(":")
            port = _port(port_text, item)
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError:
            try:
                address = str(socket.getaddrinfo(host, port, proto=socket.IPPROTO_UDP)[0][4][0])
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"SEGMENTFLOW_DNS_NAMESERVERS: cannot resolve {host!r}"
                ) from exc
        servers.append(dns.nameserver.Do53Nameserver(str(address), port))
    return tuple(servers)


def _port(text: str, item: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ImproperlyConfigured(f"SEGMENTFLOW_DNS_NAMESERVERS: bad port in {item!r}")
    return int(text)


def make_resolver() -> dns.resolver.Resolver:
    """A resolver without a cache (a check must see the records as they are now)."""
    configured = settings.SEGMENTFLOW_DNS_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        resolver.nameservers = list(parse_nameservers(configured))  # type: ignore[assignment]
    # One lookup in all, retries included; one server gets a third of it before the next is
    # tried. A check makes three or four lookups: `domains.verify` stays near 10 s at worst.
    resolver.lifetime = settings.SEGMENTFLOW_DNS_TIMEOUT
    resolver.timeout = settings.SEGMENTFLOW_DNS_TIMEOUT / 3
    return resolver


def lookup_txt(name: str, resolver: dns.resolver.Resolver | None = None) -> TxtAnswer:
    resolver = resolver or make_resolver()
    try:
        answer = resolver.resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.name.NameTooLong):
        return TxtAnswer()
    except dns.exception.Timeout:
        return TxtAnswer(temporary="the DNS lookup timed out")
    except dns.resolver.NoNameservers:
        return TxtAnswer(temporary="no DNS server answered (SERVFAIL or refused)")
    except dns.exception.DNSException as exc:
        return TxtAnswer(temporary=f"the DNS lookup failed ({type(exc).__name__})")
    records = tuple(
        b"".join(rdata.strings).decode("utf-8", errors="replace")
        for rdata in answer  # type: ignore[attr-defined]
    )
    return TxtAnswer(records=records)
