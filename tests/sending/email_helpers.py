"""What the email tests share: a verified sending domain on the local DNS server, templates, and
an API call that runs what commits would run (the loop's kick)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from apps.sending.models import CheckStatus, EmailSend, SendingDomain
from tests.factories import make_profile, make_template

from .helpers import DnsTestCase, fresh

SENDER = "Acme <hello@acme.test>"


class EmailTestCase(DnsTestCase):
    """Personas, a DNS server, acme.test verified over it, and two templates."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the loop's wake-up flags of an earlier test
        self.domain = self.verified_domain("acme.test")
        self.receipt = make_template(
            self.acme,
            name="Receipt",
            subject="Your order {{ data.orderNumber }}",
            html="<p>Hi {{ profile.firstName | default: 'there' }}, order "
            "{{ data.orderNumber }} is on its way.</p>",
        )
        self.newsletter = make_template(
            self.acme, name="News", subject="News for {{ profile.email }}", purpose="marketing"
        )
        self.ada = make_profile(self.acme, email="ada@example.com", first_name="Ada")

    def verified_domain(self, name: str, org: Any = None) -> SendingDomain:
        domain = self.add_domain(name, org=org)
        self.publish(domain)
        domain = self.check(domain)
        self.assertEqual(domain.status, CheckStatus.VERIFIED)
        return fresh(domain)

    def send_body(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "profileId": self.ada.pk,
            "templateId": self.receipt.pk,
            "data": {"orderNumber": "A-1001"},
            "from": SENDER,
        }
        body.update(overrides)
        return {key: value for key, value in body.items() if value is not None}

    def send(self, secret: str | None = None, **overrides: Any) -> Any:
        with self.captureOnCommitCallbacks(execute=True):
            return self.api("POST", "/emails", secret, body=self.send_body(**overrides))

    def accepted(self, **overrides: Any) -> EmailSend:
        response = self.send(**overrides)
        self.assertEqual(response.status_code, 202, response.content)
        return EmailSend.objects.get(pk=response.json()["id"])
