"""Organization.config_version (segmentflow/config_version.py): database triggers bump it on
every change of the rows emails.send caches, whatever writes them, and a send sees a change
on its next request. TransactionTestCase: the cache stores only what was read outside a
transaction, as a request in autocommit reads it."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.test import TransactionTestCase

from apps.accounts.models import Organization
from apps.assets.models import Asset
from apps.brand_kits.actions import create_brand_kit
from apps.brand_kits.models import BrandKit, BrandKitLogo
from apps.email_templates.models import Template, TemplateStatus
from apps.profiles.models import Profile
from apps.sending.email_actions import SendRequest, prepare_send
from apps.sending.models import CheckStatus, SendingDomain
from apps.sending.send_context import SendContext
from segmentflow import config_version
from segmentflow.errors import ActionError
from tests.factories import make_api_key, make_org, make_profile, make_ready_asset, make_template

SENDER = "Acme <hello@acme.test>"


def version_of(org: Organization) -> int:
    return Organization.objects.values_list("config_version", flat=True).get(pk=org.pk)


class TriggersTests(TransactionTestCase):
    def test_every_watched_table_has_its_triggers_after_all_migrations(self) -> None:
        # SQLite drops a table's triggers when a migration rebuilds it: a later migration of a
        # watched table must run WatchConfig again.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            else:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            installed = {name for (name,) in cursor.fetchall()}
        for watched in config_version.WATCHED:
            for name in config_version.trigger_names(watched.table, connection.vendor):
                self.assertIn(name, installed)

    def test_every_kind_of_write_bumps_the_version(self) -> None:
        org, other = make_org("Acme"), make_org("Globex")
        start = version_of(org)
        template = make_template(org)  # the action's save()
        self.assertGreater(version_of(org), start)
        writes: list[tuple[str, Any]] = [
            ("queryset update", lambda: Template.objects.filter(pk=template.pk).update(name="X")),
            ("kit create", lambda: create_brand_kit(org, name="Acme")),
            ("kit update", lambda: BrandKit.objects.filter(organization=org).update(name="Y")),
            (
                "domain create",
                lambda: SendingDomain.objects.create(organization=org, domain="a.test"),
            ),
            (
                "domain update",
                lambda: SendingDomain.objects.filter(organization=org).update(status="verified"),
            ),
            ("domain delete", lambda: SendingDomain.objects.filter(organization=org).delete()),
            ("template delete", lambda: Template.objects.filter(pk=template.pk).delete()),
        ]
        for what, write in writes:
            with self.subTest(what):
                before = version_of(org)
                write()
                self.assertGreater(version_of(org), before)
        self.assertEqual(version_of(other), 0)  # another Organization's rows are not touched

    def test_logos_bump_it_and_assets_only_while_they_are_logos(self) -> None:
        org = make_org("Acme")
        logo, picture = make_ready_asset(org), make_ready_asset(org)
        before = version_of(org)
        kit = create_brand_kit(org, name="Acme", logos=[{"asset_id": logo.pk, "role": "primary"}])
        self.assertGreater(version_of(org), before)

        before = version_of(org)
        Asset.objects.filter(pk=picture.pk).update(alt_text="Not a logo")
        self.assertEqual(version_of(org), before)
        Asset.objects.filter(pk=logo.pk).update(alt_text="Our logo")
        self.assertGreater(version_of(org), before)

        before = version_of(org)
        BrandKitLogo.objects.filter(brand_kit=kit).delete()
        self.assertGreater(version_of(org), before)
        before = version_of(org)
        Asset.objects.filter(pk=logo.pk).update(alt_text="No longer a logo")
        self.assertEqual(version_of(org), before)

    def test_profiles_and_sends_do_not_bump_it(self) -> None:
        org = make_org("Acme")
        before = version_of(org)
        profile = make_profile(org, email="ada@example.com")
        Profile.objects.filter(pk=profile.pk).update(first_name="Ada")
        self.assertEqual(version_of(org), before)


class CachedSendTests(TransactionTestCase):
    def setUp(self) -> None:
        config_version.clear()
        self.org = make_org("Acme")
        self.template = make_template(self.org, subject="Hi {{ brand.name }}")
        self.profile = make_profile(self.org, email="ada@example.com")
        SendingDomain.objects.create(
            organization=self.org, domain="acme.test", status=CheckStatus.VERIFIED
        )

    def context(self) -> SendContext:
        context = SendContext(Organization.objects.get(pk=self.org.pk))
        context.sandbox = False  # the From's domain is checked
        return context

    def prepare(self, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "template_id": self.template.pk,
            "profile_id": self.profile.pk,
            "from_address": SENDER,
            **overrides,
        }
        context, request = self.context(), SendRequest(**values)
        context.prefetch_send(request)
        return prepare_send(context, request)[0]

    def test_a_warm_send_makes_one_query_for_its_profile_and_the_version(self) -> None:
        kit = create_brand_kit(self.org, name="Acme kit")
        self.assertEqual(self.prepare().subject, "Hi Acme kit")  # fills the cache
        context = self.context()
        request = SendRequest(
            template_id=self.template.pk, profile_id=self.profile.pk, from_address=SENDER
        )
        with self.assertNumQueries(1):
            context.prefetch_send(request)
            email_send, _ = prepare_send(context, request)
        self.assertEqual(email_send.subject, "Hi Acme kit")
        self.assertEqual(email_send.profile, self.profile)
        self.assertEqual(context.default_kit(), kit)

    def test_a_template_archived_by_a_queryset_update_is_refused_on_the_next_send(self) -> None:
        self.prepare()
        Template.objects.filter(pk=self.template.pk).update(status=TemplateStatus.ARCHIVED)
        with self.assertRaises(ActionError) as caught:
            self.prepare()
        self.assertEqual(caught.exception.code, "template_archived")

    def test_a_domain_no_longer_verified_is_refused_on_the_next_send(self) -> None:
        self.prepare()
        SendingDomain.objects.filter(organization=self.org).update(status=CheckStatus.FAILED)
        with self.assertRaises(ActionError) as caught:
            self.prepare()
        self.assertEqual(
            (caught.exception.code, caught.exception.field), ("domain_not_verified", "from")
        )

    def test_a_kit_and_its_logos_changed_anyhow_render_on_the_next_send(self) -> None:
        logo = make_ready_asset(self.org)
        kit = create_brand_kit(
            self.org, name="Acme", logos=[{"asset_id": logo.pk, "role": "primary"}]
        )
        Template.objects.filter(pk=self.template.pk).update(
            subject="{{ brand.name }} {{ brand.logo.alt }}", brand_kit=kit
        )
        self.assertEqual(self.prepare().subject, "Acme Acme")
        BrandKit.objects.filter(pk=kit.pk).update(name="Renamed")
        Asset.objects.filter(pk=logo.pk).update(alt_text="Logo")
        self.assertEqual(self.prepare().subject, "Renamed Logo")
        BrandKitLogo.objects.filter(brand_kit=kit).delete()
        Template.objects.filter(pk=self.template.pk).update(
            subject="{{ brand.name }} {{ brand.logo | default: 'none' }}"
        )
        self.assertEqual(self.prepare().subject, "Renamed none")

    def test_what_a_transaction_reads_is_not_kept(self) -> None:
        # Inside a transaction that changed a Template, the version is its own uncommitted
        # bump: what it read must not outlive a rollback.
        with self.assertRaises(RuntimeError), transaction.atomic():
            Template.objects.filter(pk=self.template.pk).update(subject="Rolled back")
            self.assertEqual(self.prepare().subject, "Rolled back")
            raise RuntimeError
        self.assertEqual(self.prepare().subject, "Hi Acme")

    def test_the_api_sees_a_change_on_the_next_request(self) -> None:
        _, secret = make_api_key(self.org, "all")
        body = {"profileId": self.profile.pk, "templateId": self.template.pk, "from": SENDER}

        def send() -> Any:
            return self.client.post(
                "/api/v1/emails",
                body,
                content_type="application/json",
                headers={"x-api-key": secret},
            )

        self.assertEqual(send().status_code, 202)
        self.assertEqual(send().json()["subject"], "Hi Acme")
        Template.objects.filter(pk=self.template.pk).update(subject="Changed")
        self.assertEqual(send().json()["subject"], "Changed")
        Template.objects.filter(pk=self.template.pk).update(status=TemplateStatus.ARCHIVED)
        response = send()
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["error"]["errorCode"], "template_archived")
