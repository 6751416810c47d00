"""The domains routes (api-contract.md → Sending domains): every route with and without its
scope and for another Organization, the object's shape, bad domains, and a DKIM signature that
verifies against the key the DNS server publishes."""

from __future__ import annotations

from typing import Any

import dkim

from apps.sending import keys
from apps.sending.models import DkimKey, SendingDomain
from apps.sending.resolver import make_resolver

from .helpers import DnsTestCase, fresh

ROUTES = [
    ("GET", "/domains", "domains:read"),
    ("POST", "/domains", "domains:write"),
    ("GET", "/domains/{id}", "domains:read"),
    ("POST", "/domains/{id}/verify", "domains:write"),
    ("POST", "/domains/{id}/dkim-rotation", "domains:write"),
    ("DELETE", "/domains/{id}", "domains:write"),
]
EXPECTED = {
    "GET /domains": 200,
    "POST /domains": 201,
    "GET /domains/{id}": 200,
    "POST /domains/{id}/verify": 200,
    "POST /domains/{id}/dkim-rotation": 201,
    "DELETE /domains/{id}": 204,
}


class DomainRouteTests(DnsTestCase):
    def call(self, method: str, path: str, secret: str, domain: SendingDomain) -> Any:
        body = {"domain": "new.example"} if path == "/domains" and method == "POST" else None
        return self.api(method, path.format(id=domain.pk), secret, body=body)

    def test_every_route_works_with_its_scope(self) -> None:
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(scope)
                domain = self.add_domain(f"{len(path)}-{method.lower()}.example")
                response = self.call(method, path, secret, domain)
                self.assertEqual(
                    response.status_code, EXPECTED[f"{method} {path}"], response.content
                )

    def test_every_route_refuses_a_key_without_its_scope(self) -> None:
        domain = self.add_domain()
        other = {"domains:read": "domains:write", "domains:write": "domains:read"}
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(other[scope], "profiles:write")
                error = self.assertEnvelope(
                    self.call(method, path, secret, domain), 403, "insufficient_scope"
                )
                self.assertIn(scope, error["message"])
        self.assertEqual(SendingDomain.objects.count(), 1)
        self.assertEqual(fresh(domain).dkim_keys.count(), 1)

    def test_every_route_hides_another_orgs_domain(self) -> None:
        domain = self.add_domain()
        for method, path, _ in ROUTES:
            if "{id}" not in path:
                continue
            with self.subTest(route=f"{method} {path}"):
                self.assertEnvelope(
                    self.call(method, path, self.globex_secret, domain), 404, "not_found"
                )
        self.assertEqual(self.api("GET", "/domains", self.globex_secret).json()["data"], [])
        self.assertTrue(SendingDomain.objects.filter(pk=domain.pk).exists())

    def test_all_scopes_include_the_domain_scopes(self) -> None:
        self.assertEqual(self.api("GET", "/domains").status_code, 200)

    def test_it_creates_a_domain_in_the_contract_shape(self) -> None:
        response = self.api("POST", "/domains", body={"domain": "Bücher.Example."})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertTrue(body["id"].startswith("dom_"))
        self.assertEqual(body["object"], "sending_domain")
        self.assertEqual(body["domain"], "xn--bcher-kva.example")
        self.assertEqual(body["status"], "not_started")
        self.assertEqual([r["purpose"] for r in body["records"]], ["spf", "dkim", "dmarc"])
        for record in body["records"]:
            self.assertEqual(set(record), {"purpose", "type", "name", "value", "status", "problem"})
            self.assertEqual(record["type"], "TXT")
            self.assertFalse(record["name"].endswith("."))
        self.assertEqual(
            set(body["dkim"]), {"selector", "algorithm", "keyBits", "previousSelector"}
        )
        self.assertEqual(body["dkim"]["keyBits"], 2048)
        self.assertIsNone(body["dkim"]["previousSelector"])
        self.assertIsNone(body["lastCheckedAt"])
        self.assertIsNone(body["verifiedAt"])
        # The private key never leaves the server, in any form.
        private = DkimKey.objects.get().private_key
        self.assertNotIn(private[:40], response.content.decode())
        self.assertNotIn("PRIVATE", response.content.decode())

    def test_verify_checks_now_and_answers_the_result(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        body = self.api("POST", f"/domains/{domain.pk}/verify").json()
        self.assertEqual(body["status"], "verified")
        self.assertEqual({r["status"] for r in body["records"]}, {"verified"})
        self.assertIsNotNone(body["verifiedAt"])
        self.assertIsNone(body["records"][0]["problem"])

    def test_verify_with_an_idempotency_key_replays_the_first_check(self) -> None:
        domain = self.add_domain()
        path = f"/domains/{domain.pk}/verify"
        first = self.api("POST", path, **{"Idempotency-Key": "verify-1"})
        self.assertEqual(first.json()["status"], "pending")
        self.publish(domain)
        again = self.api("POST", path, **{"Idempotency-Key": "verify-1"})
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(again.json(), first.json())
        self.assertEqual(self.api("POST", path).json()["status"], "verified")

    def test_rotation_answers_the_new_pending_selector(self) -> None:
        domain = self.add_domain()
        before = self.api("GET", f"/domains/{domain.pk}").json()["dkim"]["selector"]
        body = self.api("POST", f"/domains/{domain.pk}/dkim-rotation").json()
        self.assertNotEqual(body["dkim"]["selector"], before)
        self.assertEqual(body["dkim"]["previousSelector"], before)
        dkim_records = [r for r in body["records"] if r["purpose"] == "dkim"]
        self.assertEqual(len(dkim_records), 2)
        self.assertTrue(dkim_records[0]["name"].startswith(body["dkim"]["selector"]))

    def test_delete_removes_the_domain_and_its_keys(self) -> None:
        domain = self.add_domain()
        self.assertEqual(self.api("DELETE", f"/domains/{domain.pk}").status_code, 204)
        self.assertEnvelope(self.api("GET", f"/domains/{domain.pk}"), 404, "not_found")
        self.assertFalse(DkimKey.objects.exists())

    def test_the_list_pages_newest_first(self) -> None:
        for n in range(3):
            self.add_domain(f"d{n}.example")
        first = self.api("GET", "/domains?limit=2").json()
        self.assertEqual([d["domain"] for d in first["data"]], ["d2.example", "d1.example"])
        self.assertTrue(first["hasMore"])
        rest = self.api("GET", f"/domains?limit=2&after={first['nextCursor']}").json()
        self.assertEqual([d["domain"] for d in rest["data"]], ["d0.example"])

    def test_bad_domains_are_refused_naming_the_field(self) -> None:
        for value, words in (
            ("192.0.2.1", "IP address"),
            ("[2001:db8::1]", "IP address"),
            ("localhost", "single label"),
            ("mail.localhost", "localhost"),
            ("example", "single label"),
            (
                "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + "." + "e" * 60,
                "at most 229",
            ),
            ("https://example.com", "without https://"),
            ("example.com/path", "without https://"),
            ("exa mple.com", "domain"),
            ("-bad.example", "hyphen"),
            ("example.com:8080", "without a port"),
            ("example.com..", "domain"),
            ("x" * 225 + ".example", "at most 229 characters"),
            ("", "field required"),
            ("   ", "field required"),
        ):
            with self.subTest(value=value[:30]):
                error = self.assertEnvelope(
                    self.api("POST", "/domains", body={"domain": value}), 422, "validation_failed"
                )
                self.assertEqual(error["fields"][0]["path"], "domain")
                self.assertIn(words, error["message"])
        for body in ({"domain": 7}, {}, {"domain": "a.example", "extra": 1}):
            with self.subTest(body=body):
                self.assertEnvelope(
                    self.api("POST", "/domains", body=body), 422, "validation_failed"
                )
        self.assertFalse(SendingDomain.objects.exists())

    def test_a_domain_this_organization_has_is_a_conflict_whatever_its_case(self) -> None:
        self.add_domain()
        error = self.assertEnvelope(
            self.api("POST", "/domains", body={"domain": "EXAMPLE.com."}), 409, "conflict"
        )
        self.assertEqual(error["fields"][0]["path"], "domain")
        # Another Organization may add the same domain: its key has another selector, so both
        # records can be published side by side.
        response = self.api("POST", "/domains", self.globex_secret, body={"domain": "example.com"})
        self.assertEqual(response.status_code, 201)
        selectors = set(DkimKey.objects.values_list("selector", flat=True))
        self.assertEqual(len(selectors), 2)


class DkimRoundTripTests(DnsTestCase):
    def test_a_message_signed_with_the_stored_key_verifies_against_the_published_record(
        self,
    ) -> None:
        domain = self.add_domain()
        self.publish(domain)
        key = domain.dkim_keys.get()
        pem = keys.decrypt(key.private_key)
        message = (
            b"From: Ada <ada@example.com>\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
            b"Message-ID: <1@example.com>\r\n\r\nHello Bob.\r\n"
        )
        signature = dkim.sign(
            message,
            key.selector.encode(),
            b"example.com",
            pem,
            include_headers=[b"from", b"to", b"subject", b"message-id"],
        )
        resolver = make_resolver()

        def dns_txt(name: bytes, timeout: int = 5) -> bytes:
            # dkimpy asks with a bytes name and a trailing dot.
            answer = resolver.resolve(name.decode().rstrip("."), "TXT")
            return b"".join(b"".join(rdata.strings) for rdata in answer)  # type: ignore[attr-defined]

        self.assertTrue(dkim.verify(signature + message, dnsfunc=dns_txt))
        self.assertFalse(
            dkim.verify(signature + message.replace(b"Hello Bob", b"Hi Eve"), dnsfunc=dns_txt)
        )
