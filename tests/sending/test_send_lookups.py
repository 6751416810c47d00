"""emails.send's hand-written parts (bench/profile_me.py --send): the Template and Brand Kit
lookup, the answers rendered without ninja, and the INSERT in autocommit when a Profile is
deleted meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import TransactionTestCase
from django.utils import timezone

from apps.brand_kits.actions import create_brand_kit
from apps.brand_kits.context import brand_context, saved_logos
from apps.brand_kits.models import BrandKit
from apps.email_templates.actions import update_template
from apps.email_templates.lookups import template_and_kit
from apps.sending.email_actions import BatchItem, SendRequest, _insert_alone, prepare_send
from apps.sending.models import EmailSend, EmailStatus
from apps.sending.schemas import (
    BatchAcceptedOut,
    BatchRefusedOut,
    EmailSendOut,
    batch_entry_json,
    email_send_json,
)
from apps.sending.send_context import SendContext
from segmentflow.errors import ActionError, to_api_error
from tests.factories import make_org, make_profile, make_ready_asset, make_template

from .email_helpers import SENDER, EmailTestCase


class TemplateAndKitTests(EmailTestCase):
    def test_a_template_without_a_kit_comes_with_the_default_kit(self) -> None:
        template, kit = template_and_kit(self.acme, self.receipt.pk)
        self.assertEqual(template, self.receipt)
        self.assertIsNone(kit)  # no kit at all yet
        default = create_brand_kit(self.acme, name="Acme")
        create_brand_kit(self.acme, name="Other")
        template, kit = template_and_kit(self.acme, self.receipt.pk)
        self.assertEqual(kit, default)
        self.assertEqual(kit.name, "Acme")  # type: ignore[union-attr]
        with self.assertNumQueries(0):
            self.assertIsNone(template.brand_kit)  # type: ignore[union-attr]

    def test_a_template_with_its_own_kit_comes_with_that_kit(self) -> None:
        create_brand_kit(self.acme, name="Default")
        own = create_brand_kit(self.acme, name="Own", colors={"primary": "#112233"})
        update_template(self.receipt, {"brand_kit_id": own.pk}, saved_by="test")
        template, kit = template_and_kit(self.acme, self.receipt.pk)
        self.assertEqual(kit, own)
        self.assertEqual(kit.colors["primary"], "#112233")  # type: ignore[union-attr]
        with self.assertNumQueries(0):
            self.assertEqual(template.brand_kit, own)  # type: ignore[union-attr]
        # The row converts as the ORM's would (JSON, datetimes, integers).
        self.assertEqual(template.tags, self.receipt.tags)  # type: ignore[union-attr]
        self.assertEqual(template.version, 2)  # type: ignore[union-attr]

    def test_another_organizations_template_is_not_found(self) -> None:
        globex = make_org("Globex")
        create_brand_kit(globex, name="Globex")
        theirs = make_template(globex)
        self.assertEqual(template_and_kit(self.acme, theirs.pk), (None, None))
        self.assertEqual(template_and_kit(self.acme, "tmpl_nope"), (None, None))

    def test_one_query_for_the_template_and_its_kit(self) -> None:
        create_brand_kit(self.acme, name="Acme")
        context = SendContext(self.acme)
        context.config_version()  # what is cached is looked up under it first
        with self.assertNumQueries(1):
            template = context.template(self.receipt.pk)
            self.assertEqual(context.default_kit().name, "Acme")  # type: ignore[union-attr]
            self.assertIsNone(template.brand_kit)  # type: ignore[union-attr]

    def test_a_single_send_looks_its_profile_template_and_kit_up_in_two_queries(self) -> None:
        # One for the Profile and the Organization's config_version, one for the Template and
        # its kit; once they are cached, the first alone (tests/test_config_version.py).
        kit = create_brand_kit(self.acme, name="Acme")
        context = SendContext(self.acme)
        request = SendRequest(template_id=self.receipt.pk, profile_id=self.ada.pk)
        with self.assertNumQueries(2):
            context.prefetch_send(request)
            self.assertEqual(context.profile(self.ada.pk), self.ada)
            self.assertEqual(context.profile(self.ada.pk).first_name, "Ada")  # type: ignore[union-attr]
            self.assertEqual(context.template(self.receipt.pk), self.receipt)
            self.assertEqual(context.default_kit(), kit)

    def test_the_single_lookup_keeps_each_organization_apart(self) -> None:
        globex = make_org("Globex")
        theirs, their_template = make_profile(globex, email="g@example.com"), make_template(globex)
        context = SendContext(self.acme)
        context.prefetch_send(SendRequest(template_id=their_template.pk, profile_id=theirs.pk))
        self.assertIsNone(context.profile(theirs.pk))
        self.assertIsNone(context.template(their_template.pk))
        context = SendContext(self.acme)
        context.prefetch_send(SendRequest(template_id=self.receipt.pk, profile_id=theirs.pk))
        self.assertIsNone(context.profile(theirs.pk))
        self.assertEqual(context.template(self.receipt.pk), self.receipt)
        context = SendContext(self.acme)
        context.prefetch_send(SendRequest(template_id=their_template.pk, profile_id=self.ada.pk))
        self.assertEqual(context.profile(self.ada.pk), self.ada)
        self.assertIsNone(context.template(their_template.pk))

    def test_saved_logos_come_in_their_order_with_their_assets(self) -> None:
        logo, dark = make_ready_asset(self.acme), make_ready_asset(self.acme, alt_text="Dark")
        kit = create_brand_kit(
            self.acme,
            name="Acme",
            logos=[{"asset_id": dark.pk, "role": "dark"}, {"asset_id": logo.pk, "role": "primary"}],
        )
        self.assertEqual(saved_logos(kit), [("dark", dark), ("primary", logo)])
        brand = brand_context(BrandKit.objects.get(pk=kit.pk))
        self.assertEqual(brand["logos"]["dark"]["alt"], "Dark")
        self.assertEqual(brand["logo"]["alt"], "Acme")


def _as_schema(email_send: EmailSend) -> dict[str, Any]:
    return EmailSendOut.model_validate(email_send).model_dump(by_alias=True, mode="json")


class AnswerShapeTests(EmailTestCase):
    def test_the_send_answer_is_what_the_schema_renders(self) -> None:
        queued = self.accepted(tags={"kind": "receipt"}, replyTo="Help <help@acme.test>")
        self.assertEqual(email_send_json(queued), _as_schema(queued))
        self.assertEqual(self.send().json(), _as_schema(EmailSend.objects.latest("created_at")))
        scheduled = self.accepted(scheduledAt=(timezone.now() + timedelta(days=1)).isoformat())
        self.assertEqual(scheduled.status, EmailStatus.SCHEDULED)
        self.assertEqual(email_send_json(scheduled), _as_schema(scheduled))
        queued.status, queued.message_id = EmailStatus.SENT, f"{queued.pk}@acme.test"
        queued.sent_at, queued.journey_id = timezone.now(), "jrn_x"
        queued.status_history = queued.history_with(EmailStatus.SENT, timezone.now(), "250 ok")
        self.assertEqual(email_send_json(queued), _as_schema(queued))

    def test_the_batch_entries_are_what_the_schemas_render(self) -> None:
        accepted = self.accepted()
        entry = batch_entry_json(BatchItem(2, email_send=accepted))
        expected = BatchAcceptedOut.model_validate({"index": 2, "email_send": accepted})
        self.assertEqual(entry, expected.model_dump(by_alias=True, mode="json"))
        for error in (
            ActionError("validation_failed", "to.email", "field required"),
            ActionError("not_found", "profile_id", "no such Profile in this Organization"),
            ActionError("payload_too_large", None, "too big"),
        ):
            refused = batch_entry_json(BatchItem(0, error=error))
            api_error = to_api_error(error)
            schema = BatchRefusedOut.model_validate(
                {
                    "index": 0,
                    "error": {
                        "error_code": api_error.error_code,
                        "message": api_error.message,
                        "fields": api_error.fields,
                    },
                }
            )
            self.assertEqual(refused, schema.model_dump(by_alias=True, mode="json"))
        self.assertEqual(refused["error"]["fields"], None)  # no field, no list


class DeletedMeanwhileTests(TransactionTestCase):
    """The INSERT of a known Profile's send runs in autocommit: a Profile deleted between its
    lookup and the INSERT is still a 404 naming `profileId`, and nothing is stored."""

    def setUp(self) -> None:
        self.org = make_org("Acme")
        self.template = make_template(self.org, subject="Hi", html="<p>Hi</p>")
        self.profile = make_profile(self.org, email="ada@example.com")

    def prepared(self) -> EmailSend:
        context = SendContext(self.org)
        context.sandbox = True  # no verified domain needed for this
        request = SendRequest(
            template_id=self.template.pk, profile_id=self.profile.pk, from_address=SENDER
        )
        email_send, _ = prepare_send(context, request)
        return email_send

    def test_a_profile_deleted_meanwhile_is_not_found(self) -> None:
        email_send = self.prepared()
        self.profile.delete()
        with self.assertRaises(ActionError) as caught:
            _insert_alone(self.org, email_send)
        error = caught.exception
        self.assertEqual((error.code, error.field), ("not_found", "profile_id"))
        self.assertFalse(EmailSend.objects.exists())

    def test_a_template_deleted_meanwhile_is_not_found(self) -> None:
        email_send = self.prepared()
        self.template.delete()
        with self.assertRaises(ActionError) as caught:
            _insert_alone(self.org, email_send)
        self.assertEqual(caught.exception.field, "template_id")
        self.assertFalse(EmailSend.objects.exists())

    def test_otherwise_it_is_stored_as_the_orm_would(self) -> None:
        email_send = self.prepared()
        _insert_alone(self.org, email_send)
        stored = EmailSend.objects.get()
        self.assertEqual(stored.status, EmailStatus.QUEUED)
        self.assertEqual(stored.profile_id, self.profile.pk)
        self.assertEqual(stored.status_history, email_send.status_history)
        self.assertEqual(stored.created_at, email_send.created_at)
