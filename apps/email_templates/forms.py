"""The template editor's form: the values as typed, the changes they make, and the
sample data a preview renders with."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from segmentflow import values as json_values

from .models import Template
from .starters import SAMPLE_PROFILE, STARTERS, Starter

# The editor's inputs, named as the actions' fields (so an ActionError's field names its input).
TEXT_FIELDS = ("name", "subject", "preheader", "html", "text", "purpose", "category")
MAX_SAMPLE_BYTES = 64 * 1024
_PLAIN_PATH = re.compile(r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$")


class SampleDataError(ValueError):
    """Sample data that is not a JSON object of the expected shape; the message says where."""


@dataclass
class TemplateForm:
    """What the editor holds: every field as a string, exactly as typed."""

    values: dict[str, str]
    sample: str

    @classmethod
    def from_template(cls, template: Template, sample: str) -> TemplateForm:
        values = {name: str(getattr(template, name)) for name in TEXT_FIELDS}
        values["tags"] = ", ".join(template.tags)
        values["brand_kit_id"] = template.brand_kit_id or ""
        return cls(values=values, sample=sample)

    @classmethod
    def from_post(cls, post: QueryDict) -> TemplateForm:
        names = (*TEXT_FIELDS, "tags", "brand_kit_id")
        # Browsers send textarea line breaks as CRLF; the sources are stored with LF.
        values = {name: post.get(name, "").replace("\r\n", "\n") for name in names}
        return cls(values=values, sample=post.get("sample", "").replace("\r\n", "\n"))

    def changes(self) -> dict[str, Any]:
        """The fields as `actions.update_template` takes them."""
        changes: dict[str, Any] = {name: self.values[name] for name in TEXT_FIELDS}
        changes["tags"] = [tag.strip() for tag in self.values["tags"].split(",") if tag.strip()]
        changes["brand_kit_id"] = self.values["brand_kit_id"] or None
        return changes

    def sample_context(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """`profile` and `data` of the sample; SampleDataError when the JSON is unusable."""
        if len(self.sample.encode()) > MAX_SAMPLE_BYTES:
            raise SampleDataError(f"at most {MAX_SAMPLE_BYTES // 1024} KiB")
        if not self.sample.strip():
            return dict(SAMPLE_PROFILE), {}
        try:
            sample = json_values.loads(self.sample)
        except json_values.JsonProblem as problem:
            raise SampleDataError(str(problem)) from None
        if not isinstance(sample, dict):
            raise SampleDataError('must be a JSON object such as {"profile": {}, "data": {}}')
        profile, data = sample.get("profile", {}), sample.get("data", {})
        if not isinstance(profile, dict) or not isinstance(data, dict):
            raise SampleDataError('"profile" and "data" must be JSON objects')
        return profile, data


def sample_json(profile: dict[str, Any], data: dict[str, Any]) -> str:
    return json.dumps({"profile": profile, "data": data}, indent=2, ensure_ascii=False)


def _placeholder(key: str) -> str:
    if key.lower().endswith("url"):
        return "https://example.com/"
    return f"Sample {key}"


def sample_from_merge_fields(merge_fields: list[str]) -> str:
    """Sample data with a placeholder for each `profile.…` and `data.…` path a template uses."""
    profile: dict[str, Any] = dict(SAMPLE_PROFILE)
    data: dict[str, Any] = {}
    for path in merge_fields:
        if not _PLAIN_PATH.match(path):  # data.items[0].name, data['x y']: left to the user
            continue
        root, *keys = path.split(".")
        if root not in ("profile", "data") or not keys:
            continue
        node = profile if root == "profile" else data
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(keys[-1], _placeholder(keys[-1]))
    return sample_json(profile, data)


def starter_sample(starter: Starter) -> str:
    return sample_json(dict(SAMPLE_PROFILE), starter.sample_data)


def default_sample(template: Template) -> str:
    """The starter's sample data while the HTML is still a starter's, else placeholders."""
    for starter in STARTERS:
        if template.html == starter.html:
            return starter_sample(starter)
    return sample_from_merge_fields(template.merge_fields)
