"""Each condition op, both ways, against an event and a Profile."""

from __future__ import annotations

from typing import Any

from django.test import SimpleTestCase

from apps.events.conditions import holds

CONTEXT: dict[str, Any] = {
    "event": {
        "name": "order.completed",
        "properties": {"total": 84.5, "items": ["book", "pen"], "coupon": None, "gift": True},
    },
    "profile": {
        "email": "ada@example.com",
        "locale": "en",
        "attributes": {"vip": True, "plan": "pro", "signedUpAt": "2026-01-15"},
        "subscription": {"status": "subscribed"},
    },
}


def check(path: str, op: str, *value: Any) -> bool:
    condition: dict[str, Any] = {"path": path, "op": op}
    if value:
        condition["value"] = value[0]
    return holds(condition, CONTEXT)


class ConditionTest(SimpleTestCase):
    def test_equals_both_ways(self) -> None:
        self.assertTrue(check("event.name", "equals", "order.completed"))
        self.assertFalse(check("event.name", "equals", "order.refunded"))
        self.assertTrue(check("profile.attributes.vip", "equals", True))
        # JSON's true is not 1.
        self.assertFalse(check("profile.attributes.vip", "equals", 1))

    def test_not_equals_both_ways(self) -> None:
        self.assertTrue(check("profile.attributes.plan", "not_equals", "free"))
        self.assertFalse(check("profile.attributes.plan", "not_equals", "pro"))
        self.assertTrue(check("profile.attributes.missing", "not_equals", "pro"))

    def test_exists_both_ways(self) -> None:
        self.assertTrue(check("event.properties.total", "exists"))
        self.assertFalse(check("event.properties.refund", "exists"))
        self.assertFalse(check("event.properties.coupon", "exists"))  # null is absent

    def test_not_exists_both_ways(self) -> None:
        self.assertTrue(check("event.properties.refund", "not_exists"))
        self.assertFalse(check("profile.email", "not_exists"))

    def test_gt_both_ways(self) -> None:
        self.assertTrue(check("event.properties.total", "gt", 50))
        self.assertFalse(check("event.properties.total", "gt", 84.5))

    def test_gte_both_ways(self) -> None:
        self.assertTrue(check("event.properties.total", "gte", 84.5))
        self.assertFalse(check("event.properties.total", "gte", 100))

    def test_lt_both_ways(self) -> None:
        self.assertTrue(check("event.properties.total", "lt", 100))
        self.assertFalse(check("event.properties.total", "lt", 84.5))
        self.assertTrue(check("profile.attributes.signedUpAt", "lt", "2026-02-01"))

    def test_lte_both_ways(self) -> None:
        self.assertTrue(check("event.properties.total", "lte", 84.5))
        self.assertFalse(check("event.properties.total", "lte", 10))

    def test_order_ops_never_compare_a_string_with_a_number(self) -> None:
        self.assertFalse(check("profile.attributes.plan", "gt", 1))
        self.assertFalse(check("profile.attributes.missing", "lt", 1))
        self.assertFalse(check("event.properties.gift", "gte", 0))

    def test_contains_both_ways(self) -> None:
        self.assertTrue(check("event.properties.items", "contains", "pen"))
        self.assertFalse(check("event.properties.items", "contains", "ink"))
        self.assertTrue(check("profile.email", "contains", "@example.com"))
        self.assertFalse(check("profile.email", "contains", "@acme.com"))

    def test_in_both_ways(self) -> None:
        self.assertTrue(check("profile.locale", "in", ["en", "fr"]))
        self.assertFalse(check("profile.locale", "in", ["de", "fr"]))
        self.assertTrue(check("profile.subscription.status", "in", ["subscribed"]))
        self.assertFalse(check("profile.timezone", "in", ["UTC"]))  # not set
