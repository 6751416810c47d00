"""The Brand Kit editor's form: what a marketer typed, in and out of the API shape.

Inputs are named after the API's field paths (`colors.primary`, `sender.fromEmail`,
`socialLinks[0].url`), so an ActionError's `field` names the input that shows its message.
Each field is checked with the actions' own validators so that every error shows at once;
the action still validates everything when it saves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from apps.accounts.models import Organization
from apps.assets import storage
from apps.assets.models import Asset
from segmentflow.errors import ActionError

from . import actions
from .context import DEFAULT_COLORS
from .fonts import font_stack
from .models import BrandKit, LogoRole
from .palette import contrast_warnings, readable_text_on

LABELS = {
    "name": "Name",
    "websiteUrl": "Website URL",
    "colors.primary": "Primary",
    "colors.secondary": "Secondary",
    "colors.accent": "Accent",
    "colors.background": "Background",
    "colors.text": "Text",
    "fonts.heading": "Heading font",
    "fonts.body": "Body font",
    "sender.fromName": "From name",
    "sender.fromEmail": "From email",
    "sender.replyTo": "Reply-to",
    "footer.companyName": "Company name",
    "footer.address": "Postal address",
}
HELP = {
    "websiteUrl": "Your public website; “Import from website” starts from it.",
    "colors.primary": "Buttons and links.",
    "colors.background": "Behind the email's content.",
    "colors.text": "Body text, on the background color.",
    "sender.fromName": "Shown as the sender in the inbox, e.g. “Acme Coffee”.",
    "sender.fromEmail": "An address on a sending domain verified in Settings → Domains.",
    "sender.replyTo": "Where replies go, when not to the from address.",
    "footer.address": "Marketing email must carry the sender's postal address (CAN-SPAM, "
    "and the law of most countries): every marketing email's footer shows it.",
}
GROUPS = actions.GROUP_FIELDS
LOGO_ROLES = [
    (LogoRole.PRIMARY.value, "Primary logo", "The logo at the top of every email."),
    (LogoRole.ICON.value, "Icon", "A square mark, for small spaces."),
    (LogoRole.DARK.value, "Logo for dark backgrounds", "A light version of the logo."),
]
# Offered in the font fields' datalist: fonts most email clients show or that web fonts serve.
COMMON_FONTS = (
    "Arial",
    "Helvetica",
    "Verdana",
    "Tahoma",
    "Trebuchet MS",
    "Georgia",
    "Times New Roman",
    "Courier New",
    "Inter",
    "Roboto",
    "Open Sans",
    "Lato",
    "Montserrat",
    "Poppins",
    "Source Sans Pro",
    "Nunito",
    "Raleway",
    "Work Sans",
    "DM Sans",
    "Merriweather",
    "Playfair Display",
    "Lora",
    "PT Serif",
    "Libre Baskerville",
)
SOCIAL_NETWORKS = (
    "facebook",
    "instagram",
    "linkedin",
    "x",
    "youtube",
    "tiktok",
    "pinterest",
    "github",
    "mastodon",
    "threads",
)
# Empty rows shown after the kit's social links, so one can be added without JavaScript.
SPARE_SOCIAL_ROWS = 1
MAX_LOGO_CHOICES = 48


@dataclass
class Field:
    """One input: its API path (the input's name), what was typed, and its errors."""

    path: str
    value: str
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "kit-" + self.path.replace(".", "-").replace("[", "-").replace("]", "")

    @property
    def label(self) -> str:
        return LABELS.get(self.path, self.path)

    @property
    def help(self) -> str:
        return HELP.get(self.path, "")

    @property
    def key(self) -> str:
        return self.path.rpartition(".")[2]

    @property
    def input_type(self) -> str:
        return {"websiteUrl": "url", "fromEmail": "email", "replyTo": "email"}.get(self.key, "text")

    @property
    def multiline(self) -> bool:
        return self.path == "footer.address"

    @property
    def picker_value(self) -> str:
        """For a color's `<input type=color>`: the typed color, else the templates' default."""
        try:
            return actions.clean_color(self.value, self.path)
        except ActionError:
            return DEFAULT_COLORS.get(self.key, "#000000")


@dataclass
class SocialRow:
    index: int
    network: Field
    url: Field


@dataclass
class KitForm:
    """The editor's values as typed (strings), and the errors found in them."""

    fields: dict[str, Field]
    logos: dict[str, str]  # role → asset id ("" for none)
    social_links: list[SocialRow]
    errors: list[str] = field(default_factory=list)  # not tied to one field
    logo_errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_kit(cls, kit: BrandKit | None) -> KitForm:
        values = {"name": kit.name if kit else "", "websiteUrl": kit.website_url if kit else ""}
        for group, keys in GROUPS.items():
            stored = getattr(kit, group) if kit else {}
            values |= {f"{group}.{key}": stored.get(key, "") for key in keys}
        logos = {role: "" for role, _, _ in LOGO_ROLES}
        links: list[dict[str, str]] = []
        if kit is not None:
            logos |= {logo.role: logo.asset_id for logo in kit.logos.all()}
            links = kit.social_links
        return cls._build(values, logos, links)

    @classmethod
    def from_post(cls, data: QueryDict) -> KitForm:
        values = {path: data.get(path, "") for path in LABELS}
        logos = {role: data.get(f"logos.{role}", "") for role, _, _ in LOGO_ROLES}
        networks, urls = data.getlist("socialLinks.network"), data.getlist("socialLinks.url")
        links = [
            {"network": network, "url": url}
            for network, url in zip(networks, urls, strict=False)
            if network.strip() or url.strip()
        ]
        return cls._build(values, logos, links)

    @classmethod
    def _build(
        cls, values: dict[str, str], logos: dict[str, str], links: list[dict[str, str]]
    ) -> KitForm:
        rows = [
            SocialRow(
                index,
                Field(f"socialLinks[{index}].network", link["network"]),
                Field(f"socialLinks[{index}].url", link["url"]),
            )
            for index, link in enumerate(
                [*links, *[{"network": "", "url": ""}] * SPARE_SOCIAL_ROWS]
            )
        ]
        return cls({path: Field(path, value) for path, value in values.items()}, logos, rows)

    # For the template: the fields of one section.
    def group(self, name: str) -> list[Field]:
        return [self.fields[f"{name}.{key}"] for key in GROUPS[name]]

    @property
    def colors(self) -> list[Field]:
        return self.group("colors")

    @property
    def fonts(self) -> list[Field]:
        return self.group("fonts")

    @property
    def sender(self) -> list[Field]:
        return self.group("sender")

    @property
    def footer(self) -> list[Field]:
        return self.group("footer")

    @property
    def links(self) -> list[dict[str, str]]:
        return [
            {"network": row.network.value.strip(), "url": row.url.value.strip()}
            for row in self.social_links
            if row.network.value.strip() or row.url.value.strip()
        ]

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors
            or self.logo_errors
            or any(f.errors for f in self.fields.values())
            or any(row.network.errors or row.url.errors for row in self.social_links)
        )

    def to_data(self) -> dict[str, Any]:
        """The form as the actions take it: every field, so an emptied one is cleared."""
        data: dict[str, Any] = {
            "name": self.fields["name"].value,
            "websiteUrl": self.fields["websiteUrl"].value.strip(),
            "logos": [
                {"assetId": asset_id, "role": role}
                for role, asset_id in self.logos.items()
                if asset_id
            ],
            "socialLinks": self.links,
        }
        for group, keys in GROUPS.items():
            data[group] = {key: self.fields[f"{group}.{key}"].value for key in keys}
        return data

    def add_action_error(self, error: ActionError) -> None:
        """Show an action's error next to the input it names, or above the form."""
        path = error.field or ""
        if path in self.fields:
            self.fields[path].errors.append(error.message)
            return
        for row in self.social_links:
            for row_field in (row.network, row.url):
                if path == row_field.path:
                    row_field.errors.append(error.message)
                    return
            if path == f"socialLinks[{row.index}]":
                row.url.errors.append(error.message)
                return
        if path.startswith("logos["):
            # `logos[i]…` counts the logos sent, in the order of LOGO_ROLES.
            chosen = [role for role, asset_id in self.logos.items() if asset_id]
            index = int(path[6:].partition("]")[0] or -1)
            if 0 <= index < len(chosen):
                self.logo_errors.setdefault(chosen[index], []).append(error.message)
                return
        self.errors.append(error.message if not path else f"{path}: {error.message}")

    def validate(self) -> bool:
        """Check each field with the actions' validators; True when none has an error."""
        self._check(actions.clean_name, self.fields["name"].value)
        if url := self.fields["websiteUrl"].value.strip():
            self._check(actions.clean_url, url, "websiteUrl")
        for group, keys in GROUPS.items():
            for key in keys:
                value = self.fields[f"{group}.{key}"].value
                self._check(actions.merge_group, group, {}, {key: value})
        for index, link in enumerate(self.links):
            # Checked alone, the link is socialLinks[0]: its errors are moved to its row.
            self._check(actions.clean_social_links, [link], link_index=index)
        return not self.has_errors

    def _check(self, clean: Callable[..., Any], *args: Any, link_index: int | None = None) -> None:
        try:
            clean(*args)
        except ActionError as error:
            if link_index is not None and error.field:
                error.field = error.field.replace("[0]", f"[{link_index}]", 1)
            self.add_action_error(error)


def valid_values(form: KitForm) -> dict[str, dict[str, str]]:
    """The groups' values that pass validation, cleaned; for the live sample."""
    cleaned: dict[str, dict[str, str]] = {}
    for group, keys in GROUPS.items():
        cleaned[group] = {}
        for key in keys:
            value = form.fields[f"{group}.{key}"].value
            if not value.strip():
                continue
            try:
                cleaned[group] |= actions.merge_group(group, {}, {key: value})
            except ActionError:
                continue
    return cleaned


def ready_assets(organization: Organization) -> list[Asset]:
    """The images a logo can be picked from: the newest ready Assets."""
    return list(Asset.objects.for_org(organization).ready()[:MAX_LOGO_CHOICES])


def logo_choices(organization: Organization, selected: dict[str, str]) -> list[Asset]:
    """The newest ready Assets, plus any selected one that is older."""
    assets = ready_assets(organization)
    shown = {asset.pk for asset in assets}
    missing = [pk for pk in selected.values() if pk and pk not in shown]
    if missing:
        assets += list(Asset.objects.for_org(organization).ready().filter(pk__in=missing))
    return assets


def sample_brand(organization: Organization, form: KitForm) -> dict[str, Any]:
    """What the live sample shows: the valid values typed so far, with the templates'
    defaults for the rest (the shape of `brand` in templates, see context.brand_context)."""
    values = valid_values(form)
    colors = {name: values["colors"].get(name, default) for name, default in DEFAULT_COLORS.items()}
    logo_ids = [form.logos.get(role, "") for role, _, _ in LOGO_ROLES]
    assets = {
        asset.pk: asset
        for asset in Asset.objects.for_org(organization)
        .ready()
        .filter(pk__in=[pk for pk in logo_ids if pk])
    }
    logo = next((assets[pk] for pk in logo_ids if pk in assets), None)
    heading, body = values["fonts"].get("heading"), values["fonts"].get("body")
    links = []
    for link in form.links:
        try:
            links += actions.clean_social_links([link])
        except ActionError:
            continue
    name = form.fields["name"].value.strip()
    return {
        "name": name or "Your brand",
        "colors": colors,
        "buttonText": readable_text_on(colors["primary"]),
        "logo": {
            "url": storage.public_url(logo.original_key),
            "alt": logo.alt_text or name,
        }
        if logo
        else None,
        "fonts": {
            "heading": heading,
            "body": body,
            "headingStack": font_stack(heading),
            "bodyStack": font_stack(body),
        },
        "footer": values["footer"],
        "socialLinks": links,
    }


def warnings_for(form: KitForm) -> list[dict[str, str]]:
    """Contrast warnings for the colors typed so far (invalid ones count as unset)."""
    return contrast_warnings(valid_values(form)["colors"])
