"""Per-key token buckets shared through the database (api-contract.md → Rate limits)."""

from __future__ import annotations

from django.test import override_settings

from segmentflow.models import RateLimitBucket
from tests.base import PersonaTestCase


class RateLimitTests(PersonaTestCase):
    def test_it_reports_the_bucket_in_headers(self) -> None:
        response = self.api("GET", "/me")
        self.assertEqual(response["RateLimit-Limit"], "1000")
        self.assertEqual(response["RateLimit-Remaining"], "1999")
        self.assertIn("RateLimit-Reset", response)

    def test_it_refuses_requests_over_the_keys_own_limit(self) -> None:
        _, secret = self.key_with("profiles:read", rate_limit=1)  # 1 request/s, burst of 2
        self.assertEqual(self.api("GET", "/me", secret).status_code, 200)
        self.assertEqual(self.api("GET", "/me", secret).status_code, 200)
        response = self.api("GET", "/me", secret)
        error = self.assertEnvelope(response, 429, "rate_limited")
        self.assertIn("1 requests/s", error["message"])
        self.assertGreaterEqual(int(response["Retry-After"]), 1)
        self.assertEqual(response["RateLimit-Limit"], "1")
        self.assertEqual(response["RateLimit-Remaining"], "0")

    def test_the_limit_is_per_key(self) -> None:
        _, limited = self.key_with("profiles:read", rate_limit=1)
        for _ in range(3):
            self.api("GET", "/me", limited)
        self.assertEqual(self.api("GET", "/me").status_code, 200)

    def test_the_bucket_refills_with_time(self) -> None:
        key, secret = self.key_with("profiles:read", rate_limit=1)
        for _ in range(3):
            self.api("GET", "/me", secret)
        # Pretend the last refill was 10 s ago: the bucket is full again (capped at the burst).
        bucket = RateLimitBucket.objects.get(api_key=key)
        bucket.refilled_at -= 10
        bucket.save()
        response = self.api("GET", "/me", secret)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["RateLimit-Remaining"], "1")

    def test_a_limit_of_zero_means_unlimited(self) -> None:
        key, secret = self.key_with("profiles:read", rate_limit=0)
        for _ in range(5):
            response = self.api("GET", "/me", secret)
            self.assertEqual(response.status_code, 200)
        self.assertFalse(response.has_header("RateLimit-Limit"))
        self.assertFalse(RateLimitBucket.objects.filter(api_key=key).exists())

    @override_settings(SEGMENTFLOW_RATE_LIMIT=2, SEGMENTFLOW_RATE_BURST=3)
    def test_the_default_comes_from_settings(self) -> None:
        _, secret = self.key_with("profiles:read")
        statuses = [self.api("GET", "/me", secret).status_code for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])

    def test_unauthenticated_requests_spend_no_tokens(self) -> None:
        self.api("GET", "/me", secret="")
        self.assertFalse(RateLimitBucket.objects.exists())
