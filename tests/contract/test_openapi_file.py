"""The committed openapi.json is what the code serves: SDKs are generated from the file, and
reviewers read its diff. `make openapi` refreshes it."""

from __future__ import annotations

import json

from django.test import Client

from segmentflow.api import api
from segmentflow.openapi import DOCUMENT_PATH, render_document


def test_the_committed_openapi_json_is_what_the_code_builds() -> None:
    committed = DOCUMENT_PATH.read_text(encoding="utf-8")
    built = render_document(api.get_openapi_schema())
    assert committed == built, "openapi.json is stale: run `make openapi` and commit it"


def test_the_served_document_is_the_committed_one(client: Client) -> None:
    served = client.get("/api/v1/openapi.json").json()
    assert served == json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))


def test_every_operation_has_a_summary_a_description_and_its_scope() -> None:
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            summary = operation.get("summary", "")
            # ninja's fallback summary is the operationId title-cased: "Emails Send".
            if not summary or summary == operation["operationId"].replace("_", " ").title():
                missing.append(f"{label}: summary")
            if not operation.get("description"):
                missing.append(f"{label}: description")
            scope = operation.get("x-scope")
            if scope and operation["security"] != [{"ApiKeyAuth": [scope]}]:
                missing.append(f"{label}: security roles")
    assert missing == []


def test_request_text_refuses_nul_and_free_form_objects_are_json_objects() -> None:
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    send = schemas["EmailSendIn"]["properties"]
    assert send["templateId"]["pattern"] == "^[^\\u0000]*$"
    assert send["data"]["$ref"] == "#/components/schemas/JsonObject"
    assert schemas["JsonObject"]["propertyNames"] == {"pattern": "^[^\\u0000]*$"}
    # Leavable out but not nullable: no `null` branch for isDefault, purpose, a PATCH email.
    assert schemas["BrandKitPatchIn"]["properties"]["isDefault"] == {
        "type": "boolean",
        "description": "`true` makes this the default kit (the previous one stops being it).",
    }
    assert schemas["TemplatePatchIn"]["properties"]["purpose"] == {
        "enum": ["transactional", "marketing"],
        "type": "string",
    }
    assert "anyOf" not in schemas["ProfilePatchIn"]["properties"]["email"]


def test_response_fields_with_defaults_are_required_and_objects_are_constants() -> None:
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    send = document["components"]["schemas"]["EmailSendOut"]
    assert set(send["required"]) == set(send["properties"])
    assert send["properties"]["object"] == {"type": "string", "const": "email_send"}
    assert send["properties"]["createdAt"]["format"] == "date-time"


def test_every_example_is_valid_for_its_schema() -> None:
    from jsonschema import Draft202012Validator

    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    checked = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            contents = [operation.get("requestBody", {}).get("content", {})] + [
                answer.get("content", {}) for answer in operation["responses"].values()
            ]
            for content in contents:
                media = content.get("application/json", {})
                if "example" not in media:
                    continue
                root = {**media["schema"], "components": document["components"]}
                errors = list(Draft202012Validator(root).iter_errors(media["example"]))
                assert errors == [], f"{label}: {errors[0].message}"
                checked.append(label)
    assert {"POST /api/v1/emails", "POST /api/v1/events"} <= set(checked)
