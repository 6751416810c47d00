"""The Profile actions both faces share."""

from __future__ import annotations

from apps.profiles.actions import (
    clean_fields,
    set_subscription,
    suppress_profile,
    update_profile,
)
from apps.profiles.forms import ProfileForm
from apps.profiles.models import (
    Profile,
    SubscriptionSource,
    SubscriptionStatus,
    SuppressionReason,
)
from segmentflow.errors import ActionError
from tests.base import PersonaTestCase
from tests.factories import make_profile

# 40 characters of a well-formed language tag: only the column's 35 refuse it.
LONG_LOCALE = "en" + "-abcdefg" * 4 + "-abcde"
LONG_EMAIL = "a" * 288 + "@example.com"


class UpdateProfileTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(self.acme, email="ada@example.com", attributes={"plan": "free"})
        # Read before the concurrent write below, as a request that is still running would.
        self.stale = Profile.objects.get(pk=self.profile.pk)

    def test_two_stale_copies_patching_different_keys_both_survive(self) -> None:
        second = Profile.objects.get(pk=self.profile.pk)
        update_profile(self.stale, attributes={"seats": 3})
        update_profile(second, attributes={"plan": "pro"})
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.attributes, {"plan": "pro", "seats": 3})

    def test_a_stale_copy_does_not_resubscribe_a_profile_that_unsubscribed(self) -> None:
        set_subscription(
            self.profile, SubscriptionStatus.UNSUBSCRIBED, SubscriptionSource.UNSUBSCRIBE_LINK
        )
        updated = update_profile(self.stale, first_name="Ada")
        self.profile.refresh_from_db()
        self.assertEqual(
            (self.profile.subscription_status, self.profile.subscription_source),
            ("unsubscribed", "unsubscribe_link"),
        )
        self.assertEqual(self.profile.first_name, "Ada")
        self.assertEqual((updated.subscription_status, updated.first_name), ("unsubscribed", "Ada"))

    def test_a_stale_copy_does_not_lift_a_suppression(self) -> None:
        suppressed = suppress_profile(self.profile, SuppressionReason.HARD_BOUNCE)
        update_profile(self.stale, last_name="Lovelace")
        self.profile.refresh_from_db()
        self.assertEqual(
            (self.profile.suppressed_reason, self.profile.suppressed_at),
            ("hard_bounce", suppressed.suppressed_at),
        )
        self.assertEqual(self.profile.last_name, "Lovelace")

    def test_the_dashboard_form_of_a_stale_copy_keeps_a_concurrent_unsubscribe(self) -> None:
        set_subscription(
            self.profile, SubscriptionStatus.UNSUBSCRIBED, SubscriptionSource.UNSUBSCRIBE_LINK
        )
        data = {"email": "ada@example.com", "first_name": "Ada", "timezone": "Europe/Paris"}
        form = ProfileForm.for_profile(self.stale, data)
        self.assertTrue(form.is_valid(), form.errors)
        self.assertIsNotNone(form.update(self.stale))
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.subscription_status, "unsubscribed")
        self.assertEqual((self.profile.first_name, self.profile.timezone), ("Ada", "Europe/Paris"))


class CleanFieldsTests(PersonaTestCase):
    def assert_refused(self, values: dict[str, str], field: str, message: str) -> None:
        with self.assertRaises(ActionError) as caught:
            clean_fields(values)
        self.assertEqual((caught.exception.field, caught.exception.message), (field, message))

    def test_each_text_field_is_refused_past_its_column_length(self) -> None:
        cases = [
            ({"email": LONG_EMAIL}, "email", "at most 254 characters"),
            ({"locale": LONG_LOCALE}, "locale", "at most 35 characters"),
            ({"external_id": "x" * 256}, "external_id", "at most 255 characters"),
            ({"first_name": "x" * 201}, "first_name", "at most 200 characters"),
            ({"last_name": "x" * 201}, "last_name", "at most 200 characters"),
            ({"timezone": "x" * 65}, "timezone", "at most 64 characters"),
        ]
        for values, field, message in cases:
            with self.subTest(field=field):
                self.assert_refused(values, field, message)

    def test_values_as_long_as_their_column_are_accepted(self) -> None:
        email = "a" * 242 + "@example.com"
        cleaned = clean_fields({"email": email, "external_id": "x" * 255, "first_name": "y" * 200})
        self.assertEqual(cleaned["email"], email)
        self.assertEqual((len(cleaned["external_id"]), len(cleaned["first_name"])), (255, 200))
