"""What the editor shows beside the unsaved form: the email rendered with the sample data by the
same code as a send, or the problem that stopped it; and the starters' thumbnails.

The result is only ever shown inside an `<iframe sandbox srcdoc=…>`: a template's HTML never
runs script in the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.accounts.models import Organization
from apps.brand_kits.context import brand_context_for
from apps.brand_kits.models import BrandKit
from segmentflow.errors import ActionError

from . import actions
from .actions import SOURCE_FIELDS
from .forms import SampleDataError, TemplateForm
from .models import Purpose, Template
from .rendering import EmailSource, RenderError, TemplateSyntaxProblem, check_template
from .rendering import render_email as render_source
from .starters import Starter, sample_context

SOURCE_LABELS = {
    "subject": "subject",
    "preheader": "preheader",
    "html": "HTML",
    "text": "plain text",
}


@dataclass
class Preview:
    """What the preview pane shows: the rendered email, or the problem that stopped it."""

    subject: str = ""
    html: str = ""
    text: str = ""
    merge_fields: list[str] = field(default_factory=list)
    error_title: str = ""
    error: str = ""
    line: int | None = None
    column: int | None = None
    sample_error: str = ""


def merge_fields_of(form: TemplateForm) -> list[str]:
    """Every merge field the sources use; TemplateSyntaxProblem for the first one broken."""
    found: set[str] = set()
    for name in SOURCE_FIELDS:
        found.update(check_template(name, form.values[name]))
    return sorted(found)


def _preview_kit(organization: Organization, kit_id: str) -> BrandKit | None:
    if not kit_id:
        return None
    return BrandKit.objects.for_org(organization).filter(pk=kit_id).first()


def build_preview(organization: Organization, form: TemplateForm) -> Preview:
    """Render the unsaved values as `actions.render_template` renders a saved template."""
    preview = Preview()
    try:
        preview.merge_fields = merge_fields_of(form)
    except TemplateSyntaxProblem as exc:
        label = SOURCE_LABELS.get(exc.field, exc.field)
        preview.error_title, preview.error = f"The {label} has an error.", exc.message
        preview.line, preview.column = exc.line, exc.column
        return preview
    try:
        profile, data = form.sample_context()
    except SampleDataError as exc:
        preview.sample_error = str(exc)
        return preview
    purpose = form.values["purpose"]
    unsaved = Template(
        organization=organization,
        subject=form.values["subject"],
        preheader=form.values["preheader"],
        html=form.values["html"],
        text=form.values["text"],
        purpose=purpose if purpose in Purpose.values else Purpose.TRANSACTIONAL,
        brand_kit=_preview_kit(organization, form.values["brand_kit_id"]),
    )
    try:
        rendered = actions.render_template(unsaved, profile_data=profile, data=data)
    except ActionError as exc:
        preview.error_title, preview.error = "The preview cannot be rendered.", exc.message
        return preview
    preview.subject, preview.html, preview.text = rendered.subject, rendered.html, rendered.text
    return preview


def starter_thumbnail(organization: Organization, starter: Starter) -> str:
    """A starter rendered with its sample data and the Organization's brand."""
    source = EmailSource(
        subject=starter.subject,
        preheader=starter.preheader,
        html=starter.html,
        purpose=starter.purpose,
    )
    context = sample_context(starter, brand_context_for(organization))
    try:
        return render_source(source, context).html
    except (RenderError, TemplateSyntaxProblem):
        return ""
