"""Suppression: the actions, the Profile page's Suppression card and the API's `suppressed`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpResponse
from django.urls import reverse

from apps.profiles.actions import set_subscription, suppress_profile, unsuppress_profile
from apps.profiles.models import Profile, SubscriptionChange, SuppressionReason
from segmentflow.errors import ActionError
from tests.base import PersonaTestCase
from tests.factories import make_profile

HTMX = {"HX-Request": "true"}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def url(name: str, profile: Profile) -> str:
    return reverse(f"profiles:{name}", args=[profile.id])


class SuppressProfileTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(self.acme, email="ada@example.com")
        Profile.objects.filter(pk=self.profile.pk).update(updated_at=T0)

    def test_it_records_the_reason_and_the_time(self) -> None:
        profile = suppress_profile(self.profile, SuppressionReason.MANUAL)
        self.assertEqual(profile.suppressed_reason, "manual")
        assert profile.suppressed_at is not None
        self.assertGreater(profile.suppressed_at, T0)
        self.assertEqual(profile.updated_at, profile.suppressed_at)
        stored = Profile.objects.get(pk=self.profile.pk)
        self.assertEqual(
            (stored.suppressed_reason, stored.suppressed_at), ("manual", profile.suppressed_at)
        )

    def test_suppressing_again_for_the_same_reason_keeps_the_first_time(self) -> None:
        suppress_profile(self.profile, SuppressionReason.HARD_BOUNCE)
        Profile.objects.filter(pk=self.profile.pk).update(suppressed_at=T0, updated_at=T0)
        profile = suppress_profile(self.profile, SuppressionReason.HARD_BOUNCE)
        self.assertEqual((profile.suppressed_reason, profile.suppressed_at), ("hard_bounce", T0))
        self.assertEqual(Profile.objects.get(pk=self.profile.pk).updated_at, T0)

    def test_a_new_reason_replaces_the_old_one_and_its_time(self) -> None:
        suppress_profile(self.profile, SuppressionReason.MANUAL)
        Profile.objects.filter(pk=self.profile.pk).update(suppressed_at=T0)
        profile = suppress_profile(self.profile, SuppressionReason.HARD_BOUNCE)
        self.assertEqual(profile.suppressed_reason, "hard_bounce")
        assert profile.suppressed_at is not None
        self.assertGreater(profile.suppressed_at, T0)

    def test_an_unknown_reason_is_refused(self) -> None:
        with self.assertRaises(ActionError) as caught:
            suppress_profile(self.profile, "bored")
        self.assertEqual(
            (caught.exception.code, caught.exception.field), ("validation_failed", "reason")
        )
        self.assertEqual(Profile.objects.get(pk=self.profile.pk).suppressed_reason, "")

    def test_a_hard_bounce_leaves_the_subscription_alone(self) -> None:
        profile = suppress_profile(self.profile, SuppressionReason.HARD_BOUNCE)
        self.assertEqual(profile.subscription_status, "subscribed")
        self.assertEqual(SubscriptionChange.objects.filter(profile=self.profile).count(), 1)

    def test_a_complaint_also_unsubscribes_with_source_complaint(self) -> None:
        profile = suppress_profile(self.profile, SuppressionReason.COMPLAINT, changed_by=self.bob)
        self.assertEqual(profile.suppressed_reason, "complaint")
        self.assertEqual(
            (profile.subscription_status, profile.subscription_source),
            ("unsubscribed", "complaint"),
        )
        latest = SubscriptionChange.objects.filter(profile=self.profile).first()
        assert latest is not None
        self.assertEqual(
            (latest.status, latest.source, latest.changed_by),
            ("unsubscribed", "complaint", self.bob),
        )

    def test_a_repeated_complaint_records_one_unsubscription(self) -> None:
        suppress_profile(self.profile, SuppressionReason.COMPLAINT)
        suppress_profile(self.profile, SuppressionReason.COMPLAINT)
        changes = SubscriptionChange.objects.filter(profile=self.profile, source="complaint")
        self.assertEqual(changes.count(), 1)

    def test_a_new_complaint_unsubscribes_a_profile_resubscribed_since(self) -> None:
        suppress_profile(self.profile, SuppressionReason.COMPLAINT)
        set_subscription(self.profile, "subscribed", "dashboard")
        profile = suppress_profile(self.profile, SuppressionReason.COMPLAINT)
        self.assertEqual(profile.subscription_status, "unsubscribed")

    def test_unsuppressing_clears_the_suppression_but_not_the_unsubscription(self) -> None:
        suppress_profile(self.profile, SuppressionReason.COMPLAINT)
        profile = unsuppress_profile(self.profile)
        self.assertEqual((profile.suppressed_reason, profile.suppressed_at), ("", None))
        self.assertGreater(profile.updated_at, T0)
        stored = Profile.objects.get(pk=self.profile.pk)
        self.assertEqual((stored.suppressed_reason, stored.suppressed_at), ("", None))
        self.assertEqual(stored.subscription_status, "unsubscribed")

    def test_unsuppressing_a_profile_that_is_not_suppressed_changes_nothing(self) -> None:
        profile = unsuppress_profile(self.profile)
        self.assertEqual((profile.suppressed_reason, profile.updated_at), ("", T0))


class SuppressionCardTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.bob)
        self.profile = make_profile(self.acme, email="ada@example.com")

    def stored(self) -> Profile:
        return Profile.objects.get(pk=self.profile.pk)

    def test_the_card_offers_to_suppress_with_a_confirmation(self) -> None:
        page = self.client.get(url("detail", self.profile))
        self.assertContains(page, '<span class="badge badge-ok">Not suppressed</span>', html=True)
        self.assertContains(page, f'action="{url("suppress", self.profile)}"')
        self.assertContains(page, 'hx-confirm="Suppress ada@example.com? No email of any kind')
        self.assertNotContains(page, "Remove suppression")

    def test_an_htmx_suppress_swaps_the_card_and_flashes_a_message(self) -> None:
        response = self.client.post(url("suppress", self.profile), headers=HTMX)
        self.assertEqual(response.status_code, 200)
        body = response.content.decode().strip()
        self.assertTrue(body.startswith('<section id="suppression"'), body[:200])
        self.assertNotIn("<html", body)
        self.assertIn("Suppressed: Manual", body)
        self.assertIn("Remove suppression", body)
        self.assertIn("ada@example.com is suppressed: no email will be sent to it.", body)
        self.assertEqual(self.stored().suppressed_reason, "manual")

    def test_a_plain_form_post_suppresses_and_returns_to_the_card(self) -> None:
        response = self.client.post(url("suppress", self.profile))
        self.assertRedirects(
            response, url("detail", self.profile) + "#suppression", fetch_redirect_response=False
        )
        self.assertEqual(self.stored().suppressed_reason, "manual")
        page = self.client.get(url("detail", self.profile))
        self.assertContains(page, "ada@example.com is suppressed: no email will be sent to it.")
        self.assertContains(page, "Suppressed: Manual")

    def test_removing_a_bounce_warns_that_it_should_usually_stay(self) -> None:
        suppress_profile(self.profile, SuppressionReason.HARD_BOUNCE)
        page = self.client.get(url("detail", self.profile))
        self.assertContains(page, f'action="{url("unsuppress", self.profile)}"')
        self.assertContains(
            page,
            "It was suppressed after a hard bounce. Hard bounces and complaints should usually "
            "stay suppressed",
        )
        self.assertNotContains(page, f'action="{url("suppress", self.profile)}"')

    def test_removing_the_suppression_swaps_the_card_back(self) -> None:
        suppress_profile(self.profile, SuppressionReason.MANUAL)
        response = self.client.post(url("unsuppress", self.profile), headers=HTMX)
        self.assertContains(
            response, '<span class="badge badge-ok">Not suppressed</span>', html=True
        )
        self.assertContains(response, "ada@example.com is no longer suppressed.")
        self.assertEqual(self.stored().suppressed_reason, "")

    def test_a_plain_post_removes_the_suppression_and_redirects(self) -> None:
        suppress_profile(self.profile, SuppressionReason.COMPLAINT)
        response = self.client.post(url("unsuppress", self.profile))
        self.assertRedirects(response, url("detail", self.profile) + "#suppression")
        self.assertEqual((self.stored().suppressed_reason, self.stored().suppressed_at), ("", None))

    def test_suppressing_twice_keeps_the_first_time(self) -> None:
        self.client.post(url("suppress", self.profile))
        Profile.objects.filter(pk=self.profile.pk).update(suppressed_at=T0)
        self.client.post(url("suppress", self.profile))
        self.assertEqual(self.stored().suppressed_at, T0)

    def test_get_is_not_allowed(self) -> None:
        for name in ("suppress", "unsuppress"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(url(name, self.profile)).status_code, 405)

    def test_the_list_shows_the_suppression(self) -> None:
        suppress_profile(self.profile, SuppressionReason.MANUAL)
        response = self.client.get(reverse("profiles:list"))
        self.assertContains(
            response, '<span class="badge badge-suppressed">Manual</span>', html=True
        )


class SuppressionPermissionTests(PersonaTestCase):
    def setUp(self) -> None:
        self.profile = make_profile(self.acme, email="ada@example.com")
        self.suppressed = make_profile(self.acme, email="bounced@example.com")
        suppress_profile(self.suppressed, SuppressionReason.HARD_BOUNCE)

    def writes(self) -> list[tuple[str, Profile]]:
        return [("suppress", self.profile), ("unsuppress", self.suppressed)]

    def assertUnchanged(self) -> None:  # noqa: N802
        self.assertEqual(Profile.objects.get(pk=self.profile.pk).suppressed_reason, "")
        self.assertEqual(
            Profile.objects.get(pk=self.suppressed.pk).suppressed_reason, "hard_bounce"
        )

    def post_each(self, **kw: Any) -> list[HttpResponse]:
        responses = []
        for name, profile in self.writes():
            with self.subTest(name=name):
                responses.append(self.client.post(url(name, profile), **kw))
        return responses

    def test_a_viewer_sees_the_card_without_buttons_and_gets_403(self) -> None:
        self.client.force_login(self.viewer)
        page = self.client.get(url("detail", self.suppressed))
        self.assertContains(page, "Suppressed: Hard Bounce")
        self.assertNotContains(page, "Remove suppression")
        self.assertNotContains(self.client.get(url("detail", self.profile)), ">Suppress</button>")
        for response in self.post_each(headers=HTMX):
            self.assertEqual(response.status_code, 403)
        self.assertUnchanged()

    def test_charlie_gets_404(self) -> None:
        self.client.force_login(self.charlie)
        for response in self.post_each(headers=HTMX):
            self.assertEqual(response.status_code, 404)
        self.assertUnchanged()

    def test_anonymous_visitors_are_sent_to_the_login_page(self) -> None:
        for response in self.post_each():
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith("/login/?next="))
        self.assertUnchanged()

    def test_the_owner_may_write(self) -> None:
        self.client.force_login(self.alice)
        for response in self.post_each():
            self.assertEqual(response.status_code, 302)
        self.assertEqual(Profile.objects.get(pk=self.profile.pk).suppressed_reason, "manual")
        self.assertEqual(Profile.objects.get(pk=self.suppressed.pk).suppressed_reason, "")


class SuppressedInTheApiTests(PersonaTestCase):
    def test_suppressed_is_null_then_the_reason_and_time_then_null_again(self) -> None:
        profile = make_profile(self.acme, email="ada@example.com")
        path = f"/profiles/{profile.id}"
        self.assertIsNone(self.api("GET", path).json()["suppressed"])

        suppress_profile(profile, SuppressionReason.COMPLAINT)
        Profile.objects.filter(pk=profile.pk).update(
            suppressed_at=datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
        )
        body = self.api("GET", path).json()
        self.assertEqual(
            body["suppressed"], {"reason": "complaint", "at": "2026-03-04T05:06:07.890Z"}
        )
        self.assertEqual(body["subscription"]["status"], "unsubscribed")
        self.assertEqual(body["subscription"]["source"], "complaint")
        listed = self.api("GET", "/profiles?email=ada@example.com").json()["data"]
        self.assertEqual(listed[0]["suppressed"]["reason"], "complaint")

        unsuppress_profile(profile)
        self.assertIsNone(self.api("GET", path).json()["suppressed"])
