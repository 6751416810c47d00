"""Writes on Templates shared by the API and the dashboard: create, update, duplicate,
archive, restore a version; and rendering a template for one recipient.

Changes arrive as the model's field names (`brand_kit_id` for the kit). Every Liquid source is
parsed on save: a syntax error is refused with its line and column, and `merge_fields` is what
the sources use.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from liquid import Undefined

from apps.accounts.models import Organization
from apps.assets.actions import clean_tags
from apps.brand_kits.context import brand_context_for
from apps.brand_kits.models import BrandKit
from apps.profiles.models import Profile
from apps.profiles.unsubscribe import one_click_url, unsubscribe_url
from segmentflow.errors import ActionError, invalid
from segmentflow.values import clean_text, refuse_unstorable_text

from .models import CONTENT_FIELDS, Purpose, Template, TemplateStatus, TemplateVersion
from .rendering import (
    EmailSource,
    RenderedEmail,
    RenderError,
    TemplateSyntaxProblem,
    check_template,
    render_email,
    validate_marketing,
)
from .starters import STARTERS_BY_KEY, blank_template_data

SOURCE_FIELDS = ("subject", "preheader", "html", "text")
MAX_NAME = 200
MAX_SUBJECT = 2000
MAX_PREHEADER = 2000
MAX_CATEGORY = 100
# Where an unsaved recipient's unsubscribe link points in previews (no real token exists).
PREVIEW_UNSUBSCRIBE_PATH = "/u/preview/"


def _clean_line(value: Any, path: str, max_length: int, *, required: bool = False) -> str:
    return clean_text(value, path, max_length=max_length, required=required, multiline=True)


def _clean_source(value: Any, path: str, *, required: bool = False) -> str:
    """A Liquid source, kept as written (whitespace matters in a text part)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(path, "must be a string")
    refuse_unstorable_text(value, path)
    if required and not value.strip():
        raise invalid(path, "field required")
    return value


def _clean_purpose(value: Any) -> str:
    if value not in Purpose.values:
        raise invalid("purpose", "must be transactional or marketing")
    return str(value)


def _clean_brand_kit(organization: Organization, value: Any) -> BrandKit | None:
    if value is None or value == "":
        return None
    kit = (
        BrandKit.objects.for_org(organization).filter(pk=value).first()
        if isinstance(value, str)
        else None
    )
    if kit is None:
        raise invalid("brand_kit_id", "not a Brand Kit of this Organization")
    return kit


def _apply(template: Template, data: dict[str, Any], *, creating: bool) -> None:
    """Copy the given fields onto the template, each cleaned (required ones on create);
    refuse with every problem found, not only the first."""
    cleaners: list[tuple[str, Any]] = [
        ("name", lambda v: _clean_line(v, "name", MAX_NAME, required=True)),
        ("subject", lambda v: _clean_line(v, "subject", MAX_SUBJECT, required=True)),
        ("preheader", lambda v: _clean_line(v, "preheader", MAX_PREHEADER)),
        ("html", lambda v: _clean_source(v, "html", required=True)),
        ("text", lambda v: _clean_source(v, "text")),
        ("purpose", _clean_purpose),
        ("category", lambda v: _clean_line(v, "category", MAX_CATEGORY)),
        ("tags", lambda v: clean_tags(v or [])),
        ("brand_kit_id", lambda v: _clean_brand_kit(template.organization, v)),
    ]
    required = ("name", "subject", "html", "purpose")
    problems: list[dict[str, Any]] = []
    for key, clean in cleaners:
        if key not in data and not (creating and key in required):
            continue
        try:
            value = clean(data.get(key))
        except ActionError as exc:
            problems.append({"path": exc.field or key, "message": exc.message})
            continue
        setattr(template, "brand_kit" if key == "brand_kit_id" else key, value)
    if problems:
        first = problems[0]
        raise ActionError("validation_failed", first["path"], first["message"], fields=problems)


def _check_sources(template: Template) -> None:
    """Parse every source; set merge_fields, or refuse with every problem found."""
    problems: list[dict[str, Any]] = []
    merge_fields: set[str] = set()
    for field in SOURCE_FIELDS:
        try:
            merge_fields.update(check_template(field, getattr(template, field)))
        except TemplateSyntaxProblem as exc:
            problems.append(_problem(exc))
    if not problems and template.purpose == Purpose.MARKETING:
        try:
            validate_marketing(template.html, template.text)
        except TemplateSyntaxProblem as exc:
            problems.append(
                {
                    "path": exc.field,
                    "message": "marketing email must contain {{ unsubscribeUrl }}, the link "
                    "recipients unsubscribe with",
                }
            )
    if problems:
        first = problems[0]
        raise ActionError("validation_failed", first["path"], first["message"], fields=problems)
    template.merge_fields = sorted(merge_fields)


def _problem(exc: TemplateSyntaxProblem) -> dict[str, Any]:
    problem: dict[str, Any] = {"path": exc.field, "message": exc.message}
    if exc.line is not None:
        problem["message"] = f"line {exc.line}, column {exc.column}: {exc.message}"
        problem["line"], problem["column"] = exc.line, exc.column
    return problem


def _content_fields(source: Template | TemplateVersion) -> dict[str, Any]:
    """The content fields of a template or a version, as create/update take them."""
    return {name: getattr(source, name) for name in CONTENT_FIELDS}


def _content(template: Template) -> dict[str, Any]:
    return {**_content_fields(template), "brand_kit_id": template.brand_kit_id}


def _record_version(template: Template, saved_by: str) -> TemplateVersion:
    return TemplateVersion.objects.create(
        template=template,
        version=template.version,
        **_content_fields(template),
        brand_kit_ref=template.brand_kit_id or "",
        saved_by=saved_by[:300],
        created_at=template.updated_at,
    )


@transaction.atomic
def create_template(organization: Organization, data: dict[str, Any], *, saved_by: str) -> Template:
    template = Template(organization=organization)
    _apply(template, data, creating=True)
    _check_sources(template)
    template.created_at = template.updated_at = timezone.now()
    template.save(force_insert=True)
    _record_version(template, saved_by)
    return template


def create_from_starter(
    organization: Organization, starter_key: str, *, name: str, purpose: str, saved_by: str
) -> Template:
    """A new template from a starter (`starter_key`), or a blank one named `name` when the key
    is empty."""
    if not starter_key:
        return create_template(organization, blank_template_data(name, purpose), saved_by=saved_by)
    starter = STARTERS_BY_KEY.get(starter_key)
    if starter is None:
        raise invalid("starter", f"no starter named {starter_key!r}")
    return create_template(organization, starter.template_data(), saved_by=saved_by)


@transaction.atomic
def update_template(template: Template, changes: dict[str, Any], *, saved_by: str) -> Template:
    """Apply a PATCH; a change of content makes the next version (the old one is kept)."""
    locked = Template.objects.select_for_update().get(pk=template.pk)
    before = _content(locked)
    _apply(locked, changes, creating=False)
    _check_sources(locked)
    if _content(locked) == before:
        return locked
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save()
    _record_version(locked, saved_by)
    return locked


@transaction.atomic
def restore_version(template: Template, version: int, *, saved_by: str) -> Template:
    """Make an earlier version's content the current one, as a new version."""
    old = template.versions.filter(version=version).first()
    if old is None:
        raise ActionError("not_found", None, f"This template has no version {version}.")
    kit_exists = BrandKit.objects.filter(
        organization=template.organization, pk=old.brand_kit_ref
    ).exists()
    changes = {
        **_content_fields(old),
        "brand_kit_id": old.brand_kit_ref if kit_exists else None,
    }
    return update_template(template, changes, saved_by=saved_by)


@transaction.atomic
def duplicate_template(template: Template, *, saved_by: str) -> Template:
    """A new active template with the same content, named "Copy of …"."""
    data = {
        **_content_fields(template),
        "name": f"Copy of {template.name}"[:MAX_NAME],
        "brand_kit_id": template.brand_kit_id,
    }
    return create_template(template.organization, data, saved_by=saved_by)


def _set_status(template: Template, status: str) -> Template:
    with transaction.atomic():
        locked = Template.objects.select_for_update().get(pk=template.pk)
        if locked.status != status:  # archiving an archived template changes nothing
            locked.status = status
            locked.updated_at = timezone.now()
            locked.save(update_fields=["status", "updated_at"])
    return locked


def archive_template(template: Template) -> Template:
    return _set_status(template, TemplateStatus.ARCHIVED)


def unarchive_template(template: Template) -> Template:
    return _set_status(template, TemplateStatus.ACTIVE)


# `event.…` outside a Journey: every path is empty (and `| default:` applies), not an error.
NO_EVENT = Undefined("event")


def profile_context(profile: Profile) -> dict[str, Any]:
    """A Profile as `profile` in Liquid: its API fields, camelCase."""
    return {
        "id": profile.pk,
        "email": profile.email,
        "externalId": profile.external_id or None,
        "firstName": profile.first_name or None,
        "lastName": profile.last_name or None,
        "locale": profile.locale or None,
        "timezone": profile.timezone or None,
        "attributes": profile.attributes,
        "subscriptionStatus": profile.subscription_status,
    }


def render_for_recipient(
    template: Template,
    *,
    profile_id: str | None,
    profile: dict[str, Any] | None,
    data: dict[str, Any] | None,
) -> RenderedEmail:
    """`templates.render`: for a saved Profile of the template's Organization (`profile_id`) or
    the fields of one given inline (`profile`), not both."""
    if profile_id is not None and profile is not None:
        raise invalid("profile", "give profileId or profile, not both")
    saved = None
    if profile_id is not None:
        saved = Profile.objects.for_org(template.organization).filter(pk=profile_id).first()
        if saved is None:
            raise invalid("profile_id", "not a Profile of this Organization")
    return render_template(template, profile=saved, profile_data=profile, data=data)


def render_template(
    template: Template,
    *,
    profile: Profile | None = None,
    profile_data: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    version: TemplateVersion | None = None,
    brand: dict[str, Any] | None = None,
    event: dict[str, Any] | None = None,
) -> RenderedEmail:
    """Render the current version (or `version`) for one recipient: a Profile (its unsubscribe
    links are real), or the fields of one given inline (a preview). `brand` is the `brand`
    context when the caller has it (a send renders with the kit it chose). Missing merge data
    is ActionError `template_render_failed` naming its path (e.g. `data.orderNumber`). `event`
    is the event of the Journey run that sends it; outside Journeys `event.…` renders empty."""
    if profile is not None:
        # Mail clients POST to the one-click endpoint (RFC 8058), not to the confirmation page.
        links = {
            "unsubscribeUrl": unsubscribe_url(profile),
            "listUnsubscribeUrl": one_click_url(profile),
        }
        recipient = profile_context(profile)
    else:
        sample = f"{settings.SITE_URL}{PREVIEW_UNSUBSCRIBE_PATH}"
        links = {"unsubscribeUrl": sample}
        recipient = dict(profile_data or {})
    if brand is None:
        brand = brand_context_for(template.organization, template.brand_kit)
    context = {
        "profile": recipient,
        "data": data or {},
        "brand": brand,
        "event": event if event is not None else NO_EVENT,
        **links,
        "preferencesUrl": links["unsubscribeUrl"],
    }
    content: Template | TemplateVersion = version or template
    source = EmailSource(
        subject=content.subject,
        preheader=content.preheader,
        html=content.html,
        text=content.text,
        purpose=content.purpose,  # type: ignore[arg-type]
    )
    try:
        rendered = render_email(source, context)
    except RenderError as exc:
        path = exc.path or exc.field
        raise ActionError(
            "template_render_failed",
            path,
            f"{exc.field}: {exc.message}",
            fields=[{"path": path, "message": exc.message}],
        ) from exc
    except TemplateSyntaxProblem as exc:
        raise ActionError("template_render_failed", exc.field, str(exc)) from exc
    return rendered
