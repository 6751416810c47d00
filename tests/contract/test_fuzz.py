"""Poisoned JSON bodies and cross-scope Idempotency-Key replays, for every write operation that
the OpenAPI document lists.

The document is read once at collection time, with Django's test client, and every case below
is derived from it: a route added later is fuzzed without touching this module. Only its path
parameters need a factory here (PATH_OBJECT_FACTORIES), and a test fails until one is added.
The JSON is written as raw text, because a client can send what `json.dumps` never writes:
`NaN`, lone surrogates, repeated keys.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import Client

from apps.accounts.models import Organization
from apps.accounts.permissions import API_SCOPES
from tests.factories import make_api_key, make_asset, make_org, make_profile

OPENAPI_PATH = "/api/v1/openapi.json"
BODY_METHODS = ("POST", "PUT", "PATCH")
WRITE_METHODS = (*BODY_METHODS, "DELETE")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SCOPE_SENTENCE = re.compile(r"Requires scope `([^`]+)`\.")
REPLAYED_HEADER = "Idempotent-Replayed"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Stands for the poisoned value in the serialized body; replaced by the poison's raw text.
PLACEHOLDER = "__fuzz_poison__"
FREE_FORM_KEY = "fuzz"
idempotency_keys = itertools.count(1)

# Values a client would send for a field of this name, where the type alone says too little.
PLAUSIBLE_VALUES: dict[str, Any] = {
    "email": "fuzz@example.com",
    "fromEmail": "fuzz@example.com",
    "replyTo": "fuzz@example.com",
    "url": "https://example.com/",
    "websiteUrl": "https://example.com/",
    "contentType": "image/png",
    "filename": "a.png",
    "size": 100,
    "html": "<p>Hello {{ profile.firstName }}</p>",
    "subject": "Hello",
    "domain": "fuzz.example",
    "network": "linkedin",
    "locale": "en",
    "timezone": "UTC",
}
FORMAT_VALUES: dict[str, str] = {
    "email": "fuzz@example.com",
    "date-time": "2030-01-01T00:00:00Z",
    "date": "2030-01-01",
    "uri": "https://example.com/",
}


def make_template(org: Organization) -> Any:
    """A template whose Brand Kit sends from a verified domain: a send of it can be accepted."""
    from apps.brand_kits.actions import create_brand_kit
    from apps.email_templates.actions import create_template
    from apps.sending.actions import create_domain
    from apps.sending.models import SendingDomain

    name = f"send-{org.pk[-8:]}.example"
    domain = SendingDomain.objects.filter(organization=org, domain=name).first()
    if domain is None:
        domain = create_domain(org, name)
        SendingDomain.objects.filter(pk=domain.pk).update(status="verified")
    kit = create_brand_kit(org, name="Sender", sender={"from_email": f"fuzz@{name}"})
    data = {
        "name": "Fuzz",
        "subject": "Hi",
        "html": "<p>Hi</p>",
        "purpose": "transactional",
        "brand_kit_id": kit.pk,
    }
    return create_template(org, data, saved_by="fuzz")


def make_email_send(org: Organization) -> Any:
    from apps.sending.email_actions import SendRequest, send_email

    template = make_template(org)
    return send_email(org, SendRequest(template_id=template.pk, profile_id=make_profile(org).pk))


def make_brand_kit(org: Organization) -> Any:
    from apps.brand_kits.actions import create_brand_kit

    return create_brand_kit(org, name="Fuzz kit")


def make_brand_extraction(org: Organization) -> Any:
    from apps.brand_kits.models import BrandExtraction

    kit = make_brand_kit(org)
    return BrandExtraction.objects.create(
        organization=org, brand_kit=kit, url="https://example.com/"
    )


def make_sending_domain(org: Organization) -> Any:
    from apps.sending.actions import create_domain

    return create_domain(org, f"fuzz-{org.pk[-8:]}.example")


# Path parameter → an object of the test's Organization, so that a body reaches the action
# instead of a 404. A body field named like one (`profileId` for `profile_id`) gets its id too.
PATH_OBJECT_FACTORIES: dict[str, Callable[[Organization], Any]] = {
    "profile_id": make_profile,
    "template_id": make_template,
    "asset_id": make_asset,
    "brand_kit_id": make_brand_kit,
    "extraction_id": make_brand_extraction,
    "domain_id": make_sending_domain,
    "email_send_id": make_email_send,
}
# Optional fields a plausible body has anyway: a send names its recipient (profileId or `to`).
PLAUSIBLE_OPTIONAL_FIELDS = {"profileId"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    scope: str | None
    body_schema: dict[str, Any] | None

    def __str__(self) -> str:
        return self.operation_id


def fetch_document() -> dict[str, Any]:
    response = Client().get(OPENAPI_PATH)
    assert response.status_code == 200, response.content[:500]
    return dict(response.json())


def operations_of(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            scope = SCOPE_SENTENCE.search(operation.get("description") or "")
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=operation.get("operationId") or f"{method} {path}",
                    scope=scope.group(1) if scope else None,
                    body_schema=body,
                )
            )
    return found


DOCUMENT = fetch_document()
OPERATIONS = operations_of(DOCUMENT)
BODY_OPERATIONS = [op for op in OPERATIONS if op.method in BODY_METHODS and op.body_schema]
SCOPED_WRITE_OPERATIONS = [op for op in OPERATIONS if op.method in WRITE_METHODS and op.scope]


def path_parameters(operation: Operation) -> list[str]:
    return re.findall(r"{([^}]+)}", operation.path)


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class OrgObjects:
    """The objects of one Organization that paths and body ids point at, made once each."""

    def __init__(self, org: Organization) -> None:
        self.org = org
        self._made: dict[str, Any] = {}

    def id_for(self, parameter: str) -> str:
        if parameter not in self._made:
            factory = PATH_OBJECT_FACTORIES.get(parameter)
            if factory is None:
                pytest.fail(
                    f"no factory for the path parameter {parameter!r}: add one to "
                    "PATH_OBJECT_FACTORIES in tests/contract/test_fuzz.py"
                )
            self._made[parameter] = factory(self.org)
        return str(self._made[parameter].pk)

    def path_of(self, operation: Operation) -> str:
        path = operation.path
        for parameter in path_parameters(operation):
            path = path.replace(f"{{{parameter}}}", self.id_for(parameter))
        return path


class BodyBuilder:
    """Minimal bodies from the document's JSON Schemas ($ref, anyOf/oneOf/allOf, enums...)."""

    def __init__(self, document: dict[str, Any], objects: OrgObjects) -> None:
        self.components = document.get("components", {}).get("schemas", {})
        self.objects = objects

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            target = self.components[schema["$ref"].rsplit("/", 1)[-1]]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part)
                merged["properties"] = {
                    **merged.get("properties", {}),
                    **part.get("properties", {}),
                }
                merged["required"] = [*merged.get("required", []), *part.get("required", [])]
                merged.update({k: v for k, v in part.items() if k not in merged})
            schema = merged
        return schema

    def branches(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """The alternatives a value may take, each resolved; nullable ones included."""
        schema = self.resolve(schema)
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        # On an object with properties, anyOf/oneOf names which fields it needs (profileId
        # or to): constraints on the one object, not alternatives to it.
        if alternatives and "properties" not in schema:
            return [b for alt in alternatives for b in self.branches(alt)]
        kinds = schema.get("type")
        if isinstance(kinds, list):
            return [{**schema, "type": kind} for kind in kinds]
        if schema.get("nullable"):
            return [{**schema, "nullable": False}, {"type": "null"}]
        return [schema]

    def accepted_types(self, schema: dict[str, Any]) -> set[str] | None:
        """JSON types the field takes; None when the schema does not constrain it."""
        kinds: set[str] = set()
        for branch in self.branches(schema):
            values = [*branch.get("enum", []), *([branch["const"]] if "const" in branch else [])]
            if "type" not in branch and not values:
                return None
            kinds |= {branch["type"]} if "type" in branch else set(map(json_type_of, values))
        if "integer" in kinds:
            kinds.add("number")
        return kinds

    def object_shape(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        return next((b for b in self.branches(schema) if b.get("type") == "object"), None)

    def array_shape(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        return next((b for b in self.branches(schema) if b.get("type") == "array"), None)

    def example(self, schema: dict[str, Any], name: str = "") -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if name.endswith("Id") and snake_case(name) in PATH_OBJECT_FACTORIES:
            return self.objects.id_for(snake_case(name))
        if name in PLAUSIBLE_VALUES:
            return PLAUSIBLE_VALUES[name]
        branches = self.branches(schema)
        if len(branches) > 1 or branches[0] is not schema:
            chosen = next((b for b in branches if b.get("type") != "null"), branches[0])
            return self.example(chosen, name)
        kind = schema.get("type")
        if kind == "object":
            properties = schema.get("properties", {})
            wanted = [*schema.get("required", []), *(PLAUSIBLE_OPTIONAL_FIELDS & set(properties))]
            # The first set of fields the object's anyOf/oneOf asks for (profileId, say).
            needs = schema.get("anyOf") or schema.get("oneOf") or []
            wanted += needs[0].get("required", []) if needs else []
            return {key: self.example(properties.get(key, {}), key) for key in wanted}
        if kind == "array":
            return [self.example(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
        if kind in ("integer", "number"):
            low = schema.get("minimum", 1)
            return min(low, schema.get("maximum", low))
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        if schema.get("format") in FORMAT_VALUES:
            return FORMAT_VALUES[schema["format"]]
        text = "fuzz".ljust(schema.get("minLength", 0), "z")
        return text[: schema.get("maxLength", len(text))]

    def targets(self, schema: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        """Every top-level property, and one level down where it is an object (or a list of
        them): each as its path in the body and its schema (None: the value is free-form)."""
        body = self.object_shape(schema) or {}
        for name, field in body.get("properties", {}).items():
            yield (name,), field
            shape = self.object_shape(field)
            if shape is not None:
                yield from self._children((name,), shape)
            array = self.array_shape(field)
            if array is not None:
                items = array.get("items", {})
                item_shape = self.object_shape(items)
                if item_shape is not None:
                    yield from self._children((name, 0), item_shape)
                else:
                    yield (name, 0), items

    def _children(
        self, parent: tuple[str | int, ...], shape: dict[str, Any]
    ) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        if shape.get("properties"):
            for child, child_schema in shape["properties"].items():
                yield (*parent, child), child_schema
        elif shape.get("additionalProperties", True) is not False:
            yield (*parent, FREE_FORM_KEY), None

    def body_with(self, schema: dict[str, Any], target: tuple[str | int, ...]) -> dict[str, Any]:
        """The minimal body, with PLACEHOLDER at `target` (its parents made as needed)."""
        body: dict[str, Any] = self.example(schema)
        properties = (self.object_shape(schema) or {}).get("properties", {})
        top, field = str(target[0]), properties.get(str(target[0]), {})
        if len(target) > 1 and isinstance(target[1], int):
            if not isinstance(body.get(top), list) or not body[top]:
                body[top] = [self.example((self.array_shape(field) or {}).get("items", {}))]
        elif len(target) > 1 and not isinstance(body.get(top), dict):
            body[top] = self.example(self.object_shape(field) or {})
        container: Any = body
        for key in target[:-1]:
            container = container[key]
        container[target[-1]] = PLACEHOLDER
        return body


def json_type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "")


@dataclass(frozen=True)
class Poison:
    name: str
    text: str
    # A well-formed value of this JSON type: sent only where the field does not accept it.
    wrong_type: str | None = None

    def applies_to(self, accepted: set[str] | None) -> bool:
        if self.wrong_type is None:
            return True
        return accepted is not None and self.wrong_type not in accepted


def nested_objects(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


FIELD_POISONS = [
    Poison("objects nested 40 deep", nested_objects(40)),
    Poison("objects nested 1000 deep", nested_objects(1000)),
    Poison("arrays nested 40 deep", nested_arrays(40)),
    Poison("arrays nested 1000 deep", nested_arrays(1000)),
    Poison("NaN", "NaN"),
    Poison("Infinity", "Infinity"),
    Poison("-Infinity", "-Infinity"),
    Poison("1e309", "1e309"),
    Poison("a 5000-digit integer", "9" * 5000),
    Poison("a lone surrogate", r'"\ud800"'),
    Poison("a lone surrogate as a key", r'{"\ud800": 1}'),
    Poison("a NUL in a string", r'"fuzz\u0000"'),
    Poison("a NUL in a key", r'{"k\u0000": 1}'),
    Poison("a 200,000-character string", '"' + "x" * 200_000 + '"'),
    Poison("a duplicate key", '{"k": 1, "k": 2}'),
    Poison("a number where none belongs", "12345", wrong_type="integer"),
    Poison("a string where none belongs", '"fuzz"', wrong_type="string"),
    Poison("a boolean where none belongs", "true", wrong_type="boolean"),
    Poison("a list where none belongs", '[1, "a"]', wrong_type="array"),
    Poison("an object where none belongs", '{"fuzz": 1}', wrong_type="object"),
    Poison("null where it does not belong", "null", wrong_type="null"),
]


def poisoned_text(body: dict[str, Any], poison: Poison) -> bytes:
    text = json.dumps(body).replace(json.dumps(PLACEHOLDER), poison.text, 1)
    return text.encode()


def whole_body_poisons(builder: BodyBuilder, schema: dict[str, Any]) -> list[tuple[str, str]]:
    """Bodies wrong as a whole; `invalid UTF-8` carries its bytes as surrogate escapes."""
    body = builder.example(schema)
    if not body:
        name, field = next(iter((builder.object_shape(schema) or {}).get("properties", {}).items()))
        body = {name: builder.example(field, name)}
    first, value = next(iter(body.items()))
    text = json.dumps(body)
    return [
        ("a duplicate top-level key", f"{text[:-1]}, {json.dumps(first)}: {json.dumps(value)}}}"),
        ("a body nested 1000 deep", nested_objects(1000)),
        ("a top-level array", f"[{text}]"),
        ("a top-level string", '"fuzz"'),
        ("a top-level number", "1"),
        ("invalid UTF-8", f'{{{json.dumps(first)}: "\udcff\udcfe"}}'),
        ("an empty body", ""),
    ]


class ServerErrorLog(logging.Handler):
    """Collects the errors the application logs (with their exceptions) during a request."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def summary(self) -> str:
        return "; ".join(describe(record) for record in self.records) or "nothing logged"


def describe(record: logging.LogRecord) -> str:
    if not record.exc_info or record.exc_info[1] is None:
        return record.getMessage()
    exc = record.exc_info[1]
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.startswith(str(PROJECT_ROOT)) and ".venv" not in frame.filename
    ]
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {Path(last.filename).relative_to(PROJECT_ROOT)}:{last.lineno} in {last.name}"
    message = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {message}{where}"


@pytest.fixture
def server_errors() -> Iterator[ServerErrorLog]:
    log = ServerErrorLog()
    logging.getLogger().addHandler(log)
    yield log
    logging.getLogger().removeHandler(log)


def send(
    client: Client,
    operation: Operation,
    path: str,
    body: bytes,
    secret: str,
    idempotency_key: str | None = None,
) -> HttpResponse:
    headers = {"x-api-key": secret}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    response: HttpResponse = client.generic(
        operation.method, path, body, content_type="application/json", headers=headers
    )
    return response


def answer_without_5xx(
    client: Client,
    operation: Operation,
    path: str,
    body: bytes,
    secret: str,
    server_errors: ServerErrorLog,
) -> None:
    """Send in a savepoint that is rolled back, so every case starts from the same data (and a
    failed query cannot poison the test's transaction on PostgreSQL); fail on any 5xx."""
    server_errors.records.clear()
    try:
        with transaction.atomic():
            response = send(client, operation, path, body, secret)
            transaction.set_rollback(True)
    except Exception as exc:
        pytest.fail(f"the request raised {type(exc).__name__}: {str(exc)[:300]}")
    assert response.status_code < 500, (
        f"{response.status_code} {response.content[:200]!r}; logged: {server_errors.summary()}"
    )


def error_code(response: HttpResponse) -> str | None:
    try:
        return str(response.json()["error"]["errorCode"])
    except (ValueError, KeyError, TypeError):
        return None


def target_name(target: tuple[str | int, ...]) -> str:
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in target)[1:]


def test_the_document_lists_body_and_scoped_write_operations() -> None:
    assert BODY_OPERATIONS, "no POST/PUT/PATCH operation takes a JSON body: nothing to fuzz"
    assert SCOPED_WRITE_OPERATIONS, "no write operation names its scope"


def test_every_path_parameter_in_the_document_has_a_factory() -> None:
    parameters = {name for operation in OPERATIONS for name in path_parameters(operation)}
    missing = sorted(parameters - set(PATH_OBJECT_FACTORIES))
    assert missing == [], (
        f"path parameters without a factory: {missing}; add one to PATH_OBJECT_FACTORIES in "
        "tests/contract/test_fuzz.py so the fuzzer can reach the new route's action"
    )


def test_every_write_operation_names_the_scope_it_requires() -> None:
    unscoped = [str(op) for op in OPERATIONS if op.method in WRITE_METHODS and op.scope is None]
    assert unscoped == []


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=str)
def test_the_unpoisoned_body_reaches_the_action(
    operation: Operation, db: None, client: Client, server_errors: ServerErrorLog
) -> None:
    org = make_org("Fuzz")
    _, secret = make_api_key(org, "all")
    objects = OrgObjects(org)
    assert operation.body_schema is not None
    body = BodyBuilder(DOCUMENT, objects).example(operation.body_schema)
    response = send(
        client, operation, objects.path_of(operation), json.dumps(body).encode(), secret
    )
    # Not refused for its key or its path: the poisoned variants of this body are worth sending.
    assert 200 <= response.status_code < 300, (
        f"{json.dumps(body)} → {response.status_code} {response.content[:300]!r}; logged: "
        f"{server_errors.summary()}; give its fields PLAUSIBLE_VALUES in this module"
    )


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=str)
def test_no_poisoned_field_makes_the_server_fail(
    operation: Operation,
    db: None,
    client: Client,
    subtests: pytest.Subtests,
    server_errors: ServerErrorLog,
) -> None:
    org = make_org("Fuzz")
    _, secret = make_api_key(org, "all", rate_limit=0)
    objects = OrgObjects(org)
    builder = BodyBuilder(DOCUMENT, objects)
    assert operation.body_schema is not None
    path = objects.path_of(operation)
    # Bodies first: the objects they point at must outlive each case's rolled-back savepoint.
    cases = [
        (target, poison, builder.body_with(operation.body_schema, target))
        for target, field in builder.targets(operation.body_schema)
        for poison in FIELD_POISONS
        if poison.applies_to(None if field is None else builder.accepted_types(field))
    ]
    assert cases
    for target, poison, body in cases:
        with subtests.test(field=target_name(target), poison=poison.name):
            answer_without_5xx(
                client, operation, path, poisoned_text(body, poison), secret, server_errors
            )


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=str)
def test_no_malformed_body_makes_the_server_fail(
    operation: Operation,
    db: None,
    client: Client,
    subtests: pytest.Subtests,
    server_errors: ServerErrorLog,
) -> None:
    org = make_org("Fuzz")
    _, secret = make_api_key(org, "all", rate_limit=0)
    objects = OrgObjects(org)
    assert operation.body_schema is not None
    path = objects.path_of(operation)
    for name, text in whole_body_poisons(BodyBuilder(DOCUMENT, objects), operation.body_schema):
        with subtests.test(poison=name):
            body = text.encode("utf-8", "surrogateescape")
            answer_without_5xx(client, operation, path, body, secret, server_errors)


def replay_setup(operation: Operation) -> tuple[str, bytes, str, str]:
    """Path, body, a key with every scope and one with all but the operation's, in one Org."""
    org = make_org("Fuzz")
    objects = OrgObjects(org)
    body = b""
    if operation.body_schema is not None:
        example = BodyBuilder(DOCUMENT, objects).example(operation.body_schema)
        body = json.dumps(example).encode()
    _, full = make_api_key(org, "all", name="Full")
    lacking = [scope for scope in API_SCOPES if scope != operation.scope]
    _, without_scope = make_api_key(org, lacking, name="Without the scope")
    return objects.path_of(operation), body, full, without_scope


@pytest.mark.parametrize("operation", SCOPED_WRITE_OPERATIONS, ids=str)
def test_a_stored_response_is_never_replayed_to_a_key_without_the_scope(
    operation: Operation, db: None, client: Client, server_errors: ServerErrorLog
) -> None:
    path, body, full, without_scope = replay_setup(operation)
    key = f"fuzz-{next(idempotency_keys)}"

    first = send(client, operation, path, body, full, key)
    assert first.status_code < 500 and first.status_code not in (401, 403, 429), (
        f"the full key's request was not stored: {first.status_code} {first.content[:300]!r}; "
        f"logged: {server_errors.summary()}"
    )
    second = send(client, operation, path, body, without_scope, key)

    answer = (second.status_code, error_code(second), second.get(REPLAYED_HEADER))
    assert answer == (403, "insufficient_scope", None), (
        f"a key without {operation.scope} got {answer} for {operation.method} {path}"
    )


@pytest.mark.parametrize("operation", SCOPED_WRITE_OPERATIONS, ids=str)
def test_a_refusal_for_scope_is_never_replayed_to_a_key_with_the_scope(
    operation: Operation, db: None, client: Client
) -> None:
    path, body, full, without_scope = replay_setup(operation)
    key = f"fuzz-{next(idempotency_keys)}"

    refused = send(client, operation, path, body, without_scope, key)
    assert (refused.status_code, error_code(refused)) == (403, "insufficient_scope")
    second = send(client, operation, path, body, full, key)

    assert second.get(REPLAYED_HEADER) is None, (
        f"the full key got a replayed {second.status_code} for {operation.method} {path}"
    )
    assert second.status_code != 403 and second.status_code < 500, (
        f"the full key's request did not run: {second.status_code} {second.content[:300]!r}"
    )
