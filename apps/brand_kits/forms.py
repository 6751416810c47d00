"""Dashboard forms of Brand Kits: the editor, with its live sample, and the import's start.

The editor's inputs are named after the actions' fields (`website_url`, `colors.primary`,
`sender.from_email`, `social_links[0].url`), so an ActionError lands on the input it names
(segmentflow.dashboard.add_action_error). Each value is checked with the actions' own rules, so
that every error shows at once; the action still checks everything when it saves.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.forms import BoundField
from django.http import QueryDict

from apps.accounts.models import Organization
from apps.assets.models import Asset
from segmentflow.dashboard import add_action_error
from segmentflow.errors import ActionError

from . import actions
from .actions import BrandKitFields, LogoChoice, SocialLink
from .colors import DEFAULT_COLORS, contrast_warnings
from .context import brand_logo, build_brand
from .models import COLOR_NAMES, KIT_GROUPS, BrandKit, LogoRole

# Each input of the editor but the logos and social links: its label and help text.
INPUTS = {
    "name": ("Name", ""),
    "website_url": ("Website URL", "Your public website; “Import from website” starts from it."),
    "colors.primary": ("Primary", "Buttons and links."),
    "colors.secondary": ("Secondary", ""),
    "colors.accent": ("Accent", ""),
    "colors.background": ("Background", "Behind the email's content."),
    "colors.text": ("Text", "Body text, on the background color."),
    "fonts.heading": ("Heading font", ""),
    "fonts.body": ("Body font", ""),
    "sender.from_name": ("From name", "Shown as the sender in the inbox, e.g. “Acme Coffee”."),
    "sender.from_email": (
        "From email",
        "An address on a sending domain verified in Settings → Domains.",
    ),
    "sender.reply_to": ("Reply-to", "Where replies go, when not to the from address."),
    "footer.company_name": ("Company name", ""),
    "footer.address": (
        "Postal address",
        "Marketing email must carry the sender's postal address (CAN-SPAM, and the law of most "
        "countries): every marketing email's footer shows it.",
    ),
}
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
# The live sample's name while the kit has none.
SAMPLE_NAME = "Your brand"


class KitInput(BoundField):
    """One input of the editor, with what its template needs besides Django's own."""

    @property
    def auto_id(self) -> str:
        # `kit-colors-primary`: no dots, which CSS selectors would read as classes.
        return "kit-" + re.sub(r"[._\[\]]+", "-", self.name).strip("-")

    @property
    def key(self) -> str:
        """The last part of the name: `heading` for `fonts.heading`."""
        return self.name.rpartition(".")[2]

    @property
    def input_type(self) -> str:
        types = {"website_url": "url", "from_email": "email", "reply_to": "email"}
        return types.get(self.key, "text")

    @property
    def multiline(self) -> bool:
        return self.name == "footer.address"

    @property
    def picker_value(self) -> str:
        """For a color's `<input type=color>`: the typed color, else the templates' default."""
        try:
            return actions.clean_color(self.value(), self.name)
        except ActionError:
            return DEFAULT_COLORS.get(self.key, "#000000")


def _input(label: str = "", help_text: str = "") -> forms.Field:
    # A plain Field keeps the value as typed: the actions' rules check it (KitForm.clean).
    return forms.Field(required=False, initial="", label=label, help_text=help_text)


def posted_logos(data: Mapping[str, Any]) -> dict[str, str]:
    """Role → the Asset id posted for it as `logos.<role>` ("" for none)."""
    return {role: data.get(f"logos.{role}") or "" for role, _, _ in LOGO_ROLES}


BLANK_LINK = SocialLink(network="", url="")


class KitForm(forms.Form):
    """The editor: a kit's values as typed, checked, saved through the actions."""

    bound_field_class = KitInput

    def __init__(
        self,
        organization: Organization,
        data: QueryDict | None = None,
        *,
        kit: BrandKit | None = None,
    ) -> None:
        self.organization = organization
        if data is None:
            links = list(kit.social_links) if kit else []
            super().__init__(initial=_kit_inputs(kit))
        else:
            links = _posted_links(data)
            names = [*INPUTS, *(f"logos.{role}" for role, _, _ in LOGO_ROLES)]
            typed = {name: data.get(name, "") for name in names}
            super().__init__(typed | _link_inputs([*links, *[BLANK_LINK] * SPARE_SOCIAL_ROWS]))
        self.link_count = len(links)
        for name, (label, help_text) in INPUTS.items():
            self.fields[name] = _input(label, help_text)
        for role, label, help_text in LOGO_ROLES:
            self.fields[f"logos.{role}"] = _input(label, help_text)
        for index in range(self.link_count + SPARE_SOCIAL_ROWS):
            self.fields[f"social_links[{index}].network"] = _input("Network")
            self.fields[f"social_links[{index}].url"] = _input("URL")

    # For the template: the inputs of each section.
    def _group(self, group: str) -> list[BoundField]:
        return [self[f"{group}.{name}"] for name in KIT_GROUPS[group]]

    @property
    def colors(self) -> list[BoundField]:
        return self._group("colors")

    @property
    def fonts(self) -> list[BoundField]:
        return self._group("fonts")

    @property
    def sender(self) -> list[BoundField]:
        return self._group("sender")

    @property
    def footer(self) -> list[BoundField]:
        return self._group("footer")

    @property
    def social_rows(self) -> list[tuple[BoundField, BoundField]]:
        """Each social link's network and URL inputs, then the spare rows."""
        return [
            (self[f"social_links[{index}].network"], self[f"social_links[{index}].url"])
            for index in range(self.link_count + SPARE_SOCIAL_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        self._check("name", actions.clean_name)
        optional: dict[str, Callable[[str], str]] = {
            "website_url": functools.partial(actions.clean_url, path="website_url")
        }
        for group, names in KIT_GROUPS.items():
            for name in names:
                optional[f"{group}.{name}"] = functools.partial(
                    actions.clean_group_field, group, name
                )
        for name, clean in optional.items():
            if self.cleaned_data[name].strip():
                self._check(name, clean)
            else:
                self.cleaned_data[name] = ""  # emptied: the action clears it
        for index in range(self.link_count):
            prefix = f"social_links[{index}]"
            link = {key: self.cleaned_data[f"{prefix}.{key}"] for key in ("network", "url")}
            try:
                cleaned = actions.clean_social_link(link, index)
            except ActionError as error:
                add_action_error(self, error)
            else:
                self.cleaned_data |= {f"{prefix}.{key}": value for key, value in cleaned.items()}
        return self.cleaned_data

    def _check(self, name: str, clean: Callable[[str], str]) -> None:
        """Replace the typed value with the action's cleaned one, or show its error."""
        try:
            self.cleaned_data[name] = clean(self.cleaned_data[name])
        except ActionError as error:
            add_action_error(self, error)

    def create(self) -> BrandKit | None:
        """Create the kit; None when the action refused it (the error is on the form)."""
        try:
            return actions.create_brand_kit(
                self.organization, name=self.cleaned_data["name"], **self._values()
            )
        except ActionError as error:
            add_action_error(self, error, self._action_fields())
            return None

    def update(self, kit: BrandKit) -> BrandKit | None:
        """Save every value into `kit` (an emptied field is cleared); None when refused."""
        try:
            return actions.update_brand_kit(kit, name=self.cleaned_data["name"], **self._values())
        except ActionError as error:
            add_action_error(self, error, self._action_fields())
            return None

    def _values(self) -> BrandKitFields:
        data = self.cleaned_data

        def group(name: str) -> dict[str, str]:
            return {field: data[f"{name}.{field}"] for field in KIT_GROUPS[name]}

        return {
            "website_url": data["website_url"],
            "logos": [
                LogoChoice(asset_id=asset_id, role=role)
                for role, asset_id in self.chosen_logos().items()
                if asset_id
            ],
            "colors": group("colors"),
            "fonts": group("fonts"),
            "sender": group("sender"),
            "footer": group("footer"),
            "social_links": _valid_links(data, self.link_count),
        }

    def _action_fields(self) -> dict[str, str]:
        """The action counts `logos[i]` among the logos chosen, in the order of LOGO_ROLES."""
        chosen = [role for role, asset_id in self.chosen_logos().items() if asset_id]
        return {f"logos[{index}].asset_id": f"logos.{role}" for index, role in enumerate(chosen)}

    def chosen_logos(self) -> dict[str, str]:
        """Role → the Asset id chosen for it ("" for none), as typed or saved."""
        return {role: self[f"logos.{role}"].value() or "" for role, _, _ in LOGO_ROLES}

    def _valid_values(self) -> Mapping[str, Any]:
        """The values that pass the checks: the saved kit's before anything is typed."""
        if not self.is_bound:
            return self.initial
        self.is_valid()
        return self.cleaned_data

    def sample_brand(self) -> dict[str, Any]:
        """`brand` for the live sample: the valid values so far, the templates' defaults for
        the rest."""
        values = self._valid_values()

        def group(name: str) -> dict[str, str]:
            fields = KIT_GROUPS[name].items()
            return {key: value for field, key in fields if (value := values.get(f"{name}.{field}"))}

        name = str(self["name"].value() or "").strip() or SAMPLE_NAME
        sample = BrandKit(
            name=name,
            colors=group("colors"),
            fonts=group("fonts"),
            footer=group("footer"),
            social_links=_valid_links(values, self.link_count),
        )
        chosen = self.chosen_logos()
        ids = [asset_id for asset_id in chosen.values() if asset_id]
        ready = Asset.objects.for_org(self.organization).ready().in_bulk(ids)
        logos = {
            role: brand_logo(ready[asset_id], name)
            for role, asset_id in chosen.items()
            if asset_id in ready
        }
        return build_brand(sample, logos)

    def contrast_warnings(self) -> list[dict[str, str]]:
        """Contrast warnings for the colors so far (invalid ones count as unset)."""
        values = self._valid_values()
        return contrast_warnings(
            {name: color for name in COLOR_NAMES if (color := values.get(f"colors.{name}"))}
        )

    def logo_pickers(self) -> dict[str, Any]:
        errors = {role: self[f"logos.{role}"].errors for role, _, _ in LOGO_ROLES}
        return logo_pickers(self.organization, self.chosen_logos(), errors)


def _kit_inputs(kit: BrandKit | None) -> dict[str, Any]:
    """The editor's inputs filled from a saved kit (empty for a new one)."""
    if kit is None:
        return {}
    values: dict[str, Any] = {"name": kit.name, "website_url": kit.website_url}
    for group, stored_keys in KIT_GROUPS.items():
        stored = getattr(kit, group)
        values |= {f"{group}.{name}": stored.get(key, "") for name, key in stored_keys.items()}
    values |= {f"logos.{logo.role}": logo.asset_id for logo in kit.logos.all()}
    return values | _link_inputs(kit.social_links)


def _posted_links(data: QueryDict) -> list[SocialLink]:
    """The social links as posted: one `social_links.network` and `social_links.url` per row
    (so a row can be added without renumbering), the empty rows left out."""
    networks, urls = data.getlist("social_links.network"), data.getlist("social_links.url")
    rows = zip(networks, urls, strict=False)
    return [
        SocialLink(network=network, url=url)
        for network, url in rows
        if network.strip() or url.strip()
    ]


def _link_inputs(links: list[SocialLink]) -> dict[str, str]:
    inputs: dict[str, str] = {}
    for index, link in enumerate(links):
        inputs[f"social_links[{index}].network"] = link["network"]
        inputs[f"social_links[{index}].url"] = link["url"]
    return inputs


def _valid_links(values: Mapping[str, Any], count: int) -> list[SocialLink]:
    """The first `count` social links whose network and URL both passed the checks."""
    links = []
    for index in range(count):
        network = values.get(f"social_links[{index}].network")
        url = values.get(f"social_links[{index}].url")
        if network is not None and url is not None:
            links.append(SocialLink(network=network, url=url))
    return links


def logo_choices(organization: Organization, selected: Mapping[str, str]) -> list[Asset]:
    """The newest ready Assets, plus any selected one that is older."""
    ready = Asset.objects.for_org(organization).ready()
    assets = list(ready[:MAX_LOGO_CHOICES])
    shown = {asset.pk for asset in assets}
    missing = [pk for pk in selected.values() if pk and pk not in shown]
    if missing:
        assets += list(ready.filter(pk__in=missing))
    return assets


def logo_pickers(
    organization: Organization,
    chosen: Mapping[str, str],
    errors: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What the logo pickers show: each role with its label, its choice and its errors, and
    the Assets to choose from."""
    roles = [
        {
            "role": role,
            "label": label,
            "help": help_text,
            "selected": chosen.get(role, ""),
            "errors": (errors or {}).get(role, []),
        }
        for role, label, help_text in LOGO_ROLES
    ]
    return {"logo_roles": roles, "assets": logo_choices(organization, chosen)}


class ExtractionStartForm(forms.Form):
    """The website to import from; start_extraction checks it (and names `url` when not)."""

    url = forms.Field(required=False, label="Website URL")
