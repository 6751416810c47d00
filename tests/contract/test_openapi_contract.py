"""The /api/v1 contract, checked against the OpenAPI document the application itself serves.

schemathesis reads `/api/v1/openapi.json` from the WSGI app at collection time and fuzzes every
operation in it (one subtest each), so an endpoint added by a later issue is covered here without
touching this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from segmentflow.wsgi import application
from tests.contract.checks import (
    negative_data_rejection_item_by_item,
    positive_data_acceptance_beyond_the_schema,
)
from tests.factories import make_api_key, make_org

OPENAPI_PATH = "/api/v1/openapi.json"
DOCS_PATH = "/api/v1/docs"
ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
ERROR_STATUSES = ("401", "403", "404", "422", "429", "500")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# `resource_method`, both halves camelCase: me_get, emails_batchSend, brandKits_startExtraction.
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]*_[a-z][a-zA-Z0-9]*$")

# Every check schemathesis has (`--checks all`): no 5xx, documented status codes, content types,
# bodies and headers; auth enforced; 405 for undocumented methods; required headers; and the
# data checks, schema-valid input accepted and schema-invalid input refused, as
# tests/contract/checks.py holds them to what a JSON Schema can state.
CONTRACT_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    ignored_auth,
    unsupported_method,
    missing_required_header,
    allow_header_conformance,
    use_after_free,
    ensure_resource_availability,
    positive_data_acceptance_beyond_the_schema,
    negative_data_rejection_item_by_item,
]

schema = schemathesis.openapi.from_wsgi(
    OPENAPI_PATH,
    application,
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                # Bounded and derandomized: the same examples on every run, in seconds.
                "max-examples": 25,
                "deterministic": True,
                # The fixture sends a valid key; generating the security header instead would
                # spend most examples on 401s. `ignored_auth` still probes missing and bad keys.
                "with-security-parameters": False,
            }
        }
    ),
)


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Keep the test's transaction across in-process requests, as Django's test client does.

    The WSGI handler closes "old" connections when a request starts and finishes; inside the
    test's transaction that would close the very connection the test runs in (PostgreSQL).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_key_headers(db: None, in_process_requests: None) -> dict[str, str]:
    """The `x-api-key` header of a key with every scope, of a fresh Organization."""
    _, secret = make_api_key(make_org("Contract"), "all", name="Contract test")
    return {"x-api-key": secret}


@schema.parametrize()
# One Organization per operation, shared by its examples: that is the point of the fixture.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_its_openapi_document_says(
    case: Case, api_key_headers: dict[str, str]
) -> None:
    case.call_and_validate(headers=api_key_headers, checks=CONTRACT_CHECKS)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    response = Client().get(OPENAPI_PATH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return dict(response.json())


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def json_schema_of(response: dict[str, Any]) -> Any:
    return response.get("content", {}).get("application/json", {}).get("schema")


def test_the_document_is_openapi_3_1_and_has_operations(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    assert list(operations(document)), "the document lists no operation"


def test_every_operation_documents_the_error_envelope(document: dict[str, Any]) -> None:
    missing = [
        f"{label} {status}"
        for label, operation in operations(document)
        for status in ERROR_STATUSES
        if json_schema_of(operation["responses"].get(status, {})) != {"$ref": ENVELOPE_REF}
    ]
    assert missing == []


def test_the_error_envelope_schema_matches_the_contract(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    envelope = schemas["ErrorEnvelope"]
    assert envelope["required"] == ["error"]
    detail = schemas[envelope["properties"]["error"]["$ref"].rsplit("/", 1)[-1]]
    assert set(detail["required"]) == {"errorCode", "message", "requestId"}
    assert "fields" in detail["properties"]


def test_every_operation_id_reads_resource_underscore_method(document: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, operation in operations(document)]
    assert [i for i in ids if not OPERATION_ID.match(i)] == []
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_operation_requires_the_x_api_key_scheme(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    api_key_schemes = {
        name
        for name, scheme in schemes.items()
        if scheme == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    }
    assert api_key_schemes, f"no x-api-key header scheme in {schemes}"
    unprotected = [
        label
        for label, operation in operations(document)
        if not any(set(req) & api_key_schemes for req in operation.get("security", []))
    ]
    assert unprotected == []


class _AssetLinks(HTMLParser):
    """Collects every URL a page makes the browser load or follow (src, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]


def test_the_interactive_docs_load_only_our_own_static_files(client: Client) -> None:
    response = client.get(DOCS_PATH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not re.search(r"(?:https?:)?//[\w.-]", html), "the docs page names an external host"

    links = _AssetLinks()
    links.feed(html)
    assert any(url.endswith(".js") for url in links.urls), "no script: not the interactive page"
    for url in links.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        assert parts.path.startswith(django_settings.STATIC_URL), url
        assert finders.find(parts.path.removeprefix(django_settings.STATIC_URL)), url
