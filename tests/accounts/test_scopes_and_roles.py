"""The scope table, the role → scopes map, has_scope, and minting keys on a role's behalf."""

from __future__ import annotations

from apps.accounts import permissions
from apps.accounts.actions import create_api_key
from apps.accounts.models import ApiKey, Membership
from segmentflow import scopes
from segmentflow.errors import ActionError
from tests.base import PersonaTestCase

# api-contract.md → Authentication and scopes, in the table's order.
CONTRACT_SCOPES = [
    "profiles:read",
    "profiles:write",
    "templates:read",
    "templates:write",
    "assets:read",
    "assets:write",
    "brand_kit:read",
    "brand_kit:write",
    "emails:send",
    "emails:read",
    "events:write",
    "domains:read",
    "domains:write",
]
CONTRACT_READ_SCOPES = {
    "profiles:read",
    "templates:read",
    "assets:read",
    "brand_kit:read",
    "emails:read",
    "domains:read",
}


class ScopeTableTests(PersonaTestCase):
    def test_the_api_scopes_are_the_contract_table(self) -> None:
        self.assertEqual(list(scopes.SCOPES), CONTRACT_SCOPES)
        self.assertEqual(list(scopes.API_SCOPES), CONTRACT_SCOPES)
        self.assertEqual(set(scopes.READ_SCOPES), CONTRACT_READ_SCOPES)

    def test_settings_management_is_not_an_api_scope(self) -> None:
        self.assertNotIn(scopes.MANAGE_SETTINGS, scopes.SCOPES)
        with self.assertRaisesMessage(ValueError, "settings:manage"):
            scopes.parse_scopes(["settings:manage"])

    def test_owners_and_admins_have_every_scope_and_manage_settings(self) -> None:
        everything = {*CONTRACT_SCOPES, scopes.MANAGE_SETTINGS}
        self.assertEqual(permissions.ROLE_SCOPES[permissions.OWNER], everything)
        self.assertEqual(permissions.ROLE_SCOPES[permissions.ADMIN], everything)

    def test_members_have_every_api_scope_but_do_not_manage_settings_or_domains(self) -> None:
        self.assertEqual(
            permissions.ROLE_SCOPES[permissions.MEMBER], set(CONTRACT_SCOPES) - {"domains:write"}
        )

    def test_viewers_have_the_read_scopes_only(self) -> None:
        self.assertEqual(permissions.ROLE_SCOPES[permissions.VIEWER], CONTRACT_READ_SCOPES)

    def test_every_role_has_its_scopes(self) -> None:
        self.assertEqual(
            set(permissions.ROLE_SCOPES), {role for role, _ in permissions.ROLE_CHOICES}
        )


class HasScopeTests(PersonaTestCase):
    def membership(self, user: object) -> Membership:
        return Membership.objects.get(user=user, organization=self.acme)

    def test_it_follows_the_role_of_each_persona(self) -> None:
        alice, bob, viewer = (self.membership(u) for u in (self.alice, self.bob, self.viewer))
        for scope in CONTRACT_SCOPES:
            with self.subTest(scope=scope):
                self.assertTrue(scopes.has_scope(alice, scope))
                self.assertEqual(scopes.has_scope(bob, scope), scope != "domains:write")
                self.assertEqual(scopes.has_scope(viewer, scope), scope in CONTRACT_READ_SCOPES)
        self.assertTrue(scopes.has_scope(alice, scopes.MANAGE_SETTINGS))
        self.assertFalse(scopes.has_scope(bob, scopes.MANAGE_SETTINGS))
        self.assertFalse(scopes.has_scope(viewer, scopes.MANAGE_SETTINGS))

    def test_it_follows_the_scopes_of_a_key(self) -> None:
        key, _ = self.key_with("profiles:read", "emails:send")
        self.assertTrue(scopes.has_scope(key, "profiles:read"))
        self.assertTrue(scopes.has_scope(key, "emails:send"))
        self.assertFalse(scopes.has_scope(key, "profiles:write"))
        self.assertFalse(scopes.has_scope(self.acme_key, scopes.MANAGE_SETTINGS))

    def test_nobody_has_any_scope(self) -> None:
        self.assertFalse(scopes.has_scope(None, "profiles:read"))

    def test_an_unknown_scope_is_never_granted(self) -> None:
        self.assertFalse(scopes.has_scope(self.membership(self.alice), "profiles:admin"))


class GrantedByTests(PersonaTestCase):
    def test_a_viewer_cannot_grant_a_write_scope(self) -> None:
        viewer = Membership.objects.get(user=self.viewer)
        with self.assertRaises(ActionError) as caught:
            create_api_key(
                self.acme,
                name="Writer",
                scopes=["profiles:read", "profiles:write", "emails:send"],
                granted_by=viewer,
            )
        self.assertEqual(caught.exception.field, "scopes")
        self.assertIn("profiles:write", caught.exception.message)
        self.assertIn("emails:send", caught.exception.message)
        self.assertNotIn("profiles:read,", caught.exception.message)
        self.assertFalse(ApiKey.objects.filter(name="Writer").exists())

    def test_a_viewer_cannot_grant_all_scopes(self) -> None:
        viewer = Membership.objects.get(user=self.viewer)
        with self.assertRaises(ActionError):
            create_api_key(self.acme, name="All", scopes=["all"], granted_by=viewer)
        self.assertFalse(ApiKey.objects.filter(name="All").exists())

    def test_a_viewer_can_grant_read_scopes(self) -> None:
        viewer = Membership.objects.get(user=self.viewer)
        key, _ = create_api_key(
            self.acme, name="Reader", scopes=sorted(CONTRACT_READ_SCOPES), granted_by=viewer
        )
        self.assertEqual(set(key.scopes), CONTRACT_READ_SCOPES)

    def test_a_member_can_grant_every_api_scope_of_the_role(self) -> None:
        bob = Membership.objects.get(user=self.bob)
        role_scopes = [scope for scope in CONTRACT_SCOPES if scope != "domains:write"]
        key, _ = create_api_key(self.acme, name="Bob's", scopes=role_scopes, granted_by=bob)
        self.assertEqual(key.scopes, role_scopes)
        with self.assertRaisesMessage(ActionError, "domains:write"):
            create_api_key(self.acme, name="Bob's all", scopes=["all"], granted_by=bob)


class CreateApiKeyValidationTests(PersonaTestCase):
    def test_it_keeps_the_scopes_in_the_table_order_without_duplicates(self) -> None:
        key, _ = create_api_key(
            self.acme, name="Mixed", scopes=["events:write", "profiles:read", "events:write"]
        )
        self.assertEqual(key.scopes, ["profiles:read", "events:write"])

    def test_it_refuses_an_unknown_scope_naming_it(self) -> None:
        with self.assertRaisesMessage(ActionError, "profiles:admin"):
            create_api_key(self.acme, name="Bad", scopes=["profiles:read", "profiles:admin"])

    def test_it_refuses_no_scopes(self) -> None:
        with self.assertRaisesMessage(ActionError, "at least one scope"):
            create_api_key(self.acme, name="Empty", scopes=[])

    def test_it_refuses_a_name_longer_than_the_column(self) -> None:
        with self.assertRaises(ActionError) as caught:
            create_api_key(self.acme, name="x" * 101, scopes=["profiles:read"])
        self.assertEqual(caught.exception.field, "name")
        self.assertFalse(ApiKey.objects.filter(name__startswith="xxx").exists())
