"""Idempotency-Key exactly as api-contract.md → Idempotency says."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import LiveServerTestCase, override_settings
from django.test.testcases import LiveServerThread
from django.utils import timezone

from apps.accounts.models import ApiKey
from segmentflow.models import IdempotencyRecord
from tests.base import PersonaTestCase
from tests.factories import make_api_key, make_org


@override_settings(ROOT_URLCONF="tests.api.urls")
class IdempotencyTests(PersonaTestCase):
    def post(
        self,
        body: dict[str, Any],
        key: str = "order-1",
        secret: str | None = None,
        path: str = "/probe/items",
    ) -> Any:
        return self.api("POST", path, secret, body=body, **{"Idempotency-Key": key})

    def test_it_replays_the_stored_response_and_runs_once(self) -> None:
        first = self.post({"name": "once"})
        second = self.post({"name": "once"})
        self.assertEqual(first.status_code, 201)
        self.assertEqual(second.status_code, 201)
        self.assertEqual(second.json(), first.json())
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertFalse(first.has_header("Idempotent-Replayed"))
        self.assertEqual(ApiKey.objects.filter(name="once").count(), 1)

    def test_it_treats_the_same_json_in_another_key_order_as_the_same_body(self) -> None:
        self.post({"name": "order", "delaySeconds": 0})
        again = self.api(
            "POST",
            "/probe/items",
            body={"delaySeconds": 0, "name": "order"},
            **{"Idempotency-Key": "order-1"},
        )
        self.assertEqual(again["Idempotent-Replayed"], "true")

    def test_it_refuses_the_same_key_with_another_body(self) -> None:
        self.post({"name": "first"})
        error = self.assertEnvelope(self.post({"name": "second"}), 422, "idempotency_key_reused")
        self.assertIn("Idempotency-Key", error["message"])
        self.assertFalse(ApiKey.objects.filter(name="second").exists())

    def test_it_refuses_the_same_key_on_another_path_or_method(self) -> None:
        created = self.post({"name": "target"}).json()
        response = self.api(
            "DELETE", f"/probe/items/{created['id']}", **{"Idempotency-Key": "order-1"}
        )
        self.assertEnvelope(response, 422, "idempotency_key_reused")
        self.assertTrue(ApiKey.objects.filter(pk=created["id"]).exists())

    def test_it_scopes_keys_to_the_organization(self) -> None:
        self.post({"name": "mine"})
        theirs = self.post({"name": "mine"}, secret=self.globex_secret)
        self.assertEqual(theirs.status_code, 201)
        self.assertFalse(theirs.has_header("Idempotent-Replayed"))
        self.assertEqual(ApiKey.objects.filter(name="mine").count(), 2)

    def test_it_remembers_error_responses_under_500(self) -> None:
        first = self.post({"name": "Acme full"})  # taken: 409 conflict
        self.assertEqual(first.status_code, 409)
        again = self.post({"name": "Acme full"})
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again["Idempotent-Replayed"], "true")

    def test_a_5xx_is_rolled_back_and_releases_the_key(self) -> None:
        with self.assertLogs("segmentflow.api", level="ERROR"):
            failed = self.post({"name": "flaky", "failAfterWrite": True})
        self.assertEqual(failed.status_code, 500)
        # The write made before the failure was rolled back with it, and the key is free again.
        self.assertFalse(ApiKey.objects.filter(name="flaky").exists())
        self.assertFalse(IdempotencyRecord.objects.exists())
        retried = self.post({"name": "flaky", "failAfterWrite": True})
        self.assertEqual(retried.status_code, 500)
        self.assertFalse(retried.has_header("Idempotent-Replayed"))

    def test_it_answers_in_use_while_the_first_request_runs(self) -> None:
        request_body = json.dumps({"name": "slow"}).encode()
        # Simulate a first request still running: its in-flight record exists, unexpired.
        from django.test import RequestFactory

        from segmentflow.idempotency import request_fingerprint

        fake = RequestFactory().post(
            "/api/v1/probe/items", data=request_body, content_type="application/json"
        )
        IdempotencyRecord.objects.create(
            organization=self.acme,
            key="busy",
            fingerprint=request_fingerprint(fake),
            created_at=timezone.now(),
            locked_until=timezone.now() + timedelta(minutes=5),
        )
        response = self.post({"name": "slow"}, key="busy")
        self.assertEnvelope(response, 409, "idempotency_key_in_use")
        self.assertEqual(response["Retry-After"], "1")
        self.assertFalse(ApiKey.objects.filter(name="slow").exists())

    def test_it_takes_over_a_key_whose_first_request_died(self) -> None:
        from django.test import RequestFactory

        from segmentflow.idempotency import request_fingerprint

        fake = RequestFactory().post(
            "/api/v1/probe/items",
            data=json.dumps({"name": "orphan"}),
            content_type="application/json",
        )
        IdempotencyRecord.objects.create(
            organization=self.acme,
            key="orphan",
            fingerprint=request_fingerprint(fake),
            created_at=timezone.now() - timedelta(minutes=10),
            locked_until=timezone.now() - timedelta(minutes=5),
        )
        self.assertEqual(self.post({"name": "orphan"}, key="orphan").status_code, 201)
        self.assertEqual(self.post({"name": "orphan"}, key="orphan")["Idempotent-Replayed"], "true")

    def test_it_forgets_keys_after_24_hours(self) -> None:
        self.post({"name": "old"})
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
        again = self.post({"name": "new"})  # same key, different body: fine once forgotten
        self.assertEqual(again.status_code, 201)
        self.assertTrue(ApiKey.objects.filter(name="new").exists())

    def test_it_refuses_malformed_keys(self) -> None:
        for bad in ("", "x" * 256, "caf\u00e9", "tab\there"):
            with self.subTest(key=bad):
                response = self.post({"name": "never"}, key=bad)
                self.assertEnvelope(response, 400, "invalid_idempotency_key")
        self.assertFalse(ApiKey.objects.filter(name="never").exists())

    def test_a_body_nested_too_deep_to_parse_is_a_bad_request_not_a_crash(self) -> None:
        response = self.client.post(
            "/api/v1/probe/items",
            data="[" * 100_000 + "]" * 100_000,
            content_type="application/json",
            headers={"x-api-key": self.acme_secret, "Idempotency-Key": "deep"},
        )
        self.assertEnvelope(response, 400, "invalid_request")

    def test_it_accepts_a_key_of_255_printable_characters(self) -> None:
        self.assertEqual(self.post({"name": "long"}, key="k" * 255).status_code, 201)

    def test_reads_ignore_the_header(self) -> None:
        response = self.api("GET", "/me", **{"Idempotency-Key": "read"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(IdempotencyRecord.objects.exists())

    def test_the_housekeeping_task_purges_expired_keys(self) -> None:
        from segmentflow.tasks import purge_expired_idempotency_keys

        self.post({"name": "a"}, key="a")
        self.post({"name": "b"}, key="b")
        IdempotencyRecord.objects.filter(key="a").update(
            created_at=timezone.now() - timedelta(days=2)
        )
        self.assertEqual(purge_expired_idempotency_keys.call(reschedule=False), 1)
        self.assertEqual(list(IdempotencyRecord.objects.values_list("key", flat=True)), ["b"])


class WideBacklogServer(ThreadedWSGIServer):
    # socketserver's default listen backlog of 5 resets most of 50 simultaneous connections.
    request_queue_size = 128


class WideBacklogServerThread(LiveServerThread):
    server_class = WideBacklogServer


@pytest.mark.postgres
@override_settings(ROOT_URLCONF="tests.api.urls")
class ConcurrentIdempotencyTests(LiveServerTestCase):
    """50 simultaneous identical POSTs with one key on a real threaded server create one object."""

    server_thread_class = WideBacklogServerThread

    def test_fifty_concurrent_posts_with_one_key_have_one_effect(self) -> None:
        org = make_org("Concurrency", slug="concurrency")
        _, secret = make_api_key(org, "all")
        body = json.dumps({"name": "exactly-once", "delaySeconds": 0.3}).encode()
        results: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        lock = threading.Lock()
        start = threading.Barrier(50)

        def send() -> None:
            request = urllib.request.Request(  # noqa: S310 - the local live server
                f"{self.live_server_url}/api/v1/probe/items",
                data=body,
                method="POST",
                headers={
                    "x-api-key": secret,
                    "Idempotency-Key": "same",
                    "Content-Type": "application/json",
                },
            )
            start.wait()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local live server
                    outcome = (response.status, dict(response.headers), json.loads(response.read()))
            except urllib.error.HTTPError as exc:
                outcome = (exc.code, dict(exc.headers), json.loads(exc.read()))
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=send) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        self.assertEqual(len(results), 50)
        self.assertEqual(ApiKey.objects.filter(organization=org, name="exactly-once").count(), 1)
        statuses = sorted({status for status, _, _ in results})
        self.assertTrue(set(statuses) <= {201, 409}, statuses)
        # The requests really overlapped: some found the first one still running.
        self.assertIn(409, statuses)
        originals = [r for r in results if r[0] == 201 and "Idempotent-Replayed" not in r[1]]
        self.assertEqual(len(originals), 1)
        created_id = originals[0][2]["id"]
        for status, headers, payload in results:
            if status == 201:
                self.assertEqual(payload["id"], created_id)
            else:
                self.assertEqual(payload["error"]["errorCode"], "idempotency_key_in_use")
                self.assertEqual(headers["Retry-After"], "1")
