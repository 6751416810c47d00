"""The Profile actions both faces share."""

from __future__ import annotations

from apps.profiles.actions import update_profile
from apps.profiles.models import Profile
from tests.base import PersonaTestCase
from tests.factories import make_profile


class UpdateProfileTests(PersonaTestCase):
    def test_two_stale_copies_patching_different_keys_both_survive(self) -> None:
        profile = make_profile(self.acme, attributes={"plan": "free"})
        first = Profile.objects.get(pk=profile.pk)
        second = Profile.objects.get(pk=profile.pk)
        update_profile(first, attributes={"seats": 3})
        update_profile(second, attributes={"plan": "pro"})
        profile.refresh_from_db()
        self.assertEqual(profile.attributes, {"plan": "pro", "seats": 3})
