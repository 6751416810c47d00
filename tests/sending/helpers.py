"""What the sending tests share: a test case with its own DNS server, and publishing a
domain's records there as its owner would."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.test import override_settings

from apps.sending import actions, records
from apps.sending.models import SendingDomain
from tests.base import PersonaTestCase

from .dns_server import Zone, serve_dns

SPF_INCLUDE = "include:spf.segmentflow.test"


class DnsTestCase(PersonaTestCase):
    """Personas plus a real DNS server on 127.0.0.1 that the domain checks ask."""

    zone: Zone

    def setUp(self) -> None:
        super().setUp()
        stack = ExitStack()
        self.addCleanup(stack.close)
        self.zone, nameserver = stack.enter_context(serve_dns())
        stack.enter_context(
            override_settings(
                SEGMENTFLOW_DNS_NAMESERVERS=nameserver,
                SEGMENTFLOW_SPF_INCLUDE=SPF_INCLUDE,
                SEGMENTFLOW_DNS_TIMEOUT=0.6,
            )
        )

    def add_domain(self, name: str = "example.com", org: Any = None) -> SendingDomain:
        return fresh(actions.create_domain(org or self.acme, name))

    def publish(self, domain: SendingDomain, *, skip: tuple[str, ...] = ()) -> None:
        """Publish every record the domain shows, except the purposes in `skip`."""
        for record in records.published_records(fresh(domain)):
            if record.purpose not in skip:
                self.zone.set_txt(record.name, record.value)

    def check(self, domain: SendingDomain) -> SendingDomain:
        return fresh(actions.check_domain(fresh(domain)))


def fresh(domain: SendingDomain) -> SendingDomain:
    return SendingDomain.objects.prefetch_related("dkim_keys").get(pk=domain.pk)


def record_of(domain: SendingDomain, purpose: str) -> records.PublishedRecord:
    return next(r for r in records.published_records(domain) if r.purpose == purpose)
