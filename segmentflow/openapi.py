"""The OpenAPI document, made to say exactly what the server enforces.

pydantic's JSON Schema describes the Python types; the server enforces more, in one place for
every request (segmentflow/values.py: no NUL in any text or key, plain JSON at most MAX_DEPTH
deep) and in the response schemas less than it guarantees (every field is always present).
`finish_document` closes those gaps on the document ninja builds, so that a client generated
from it refuses what the server refuses and types what the server answers. The field-level
rules (lengths, patterns, enums, which fields may be `null`) stay on the schemas themselves.

`make openapi` writes the result to `openapi.json`; tests/contract/test_openapi_file.py fails
when the committed file and the code disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .openapi_examples import add_examples
from .values import MAX_DEPTH

DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "openapi.json"
SCHEMA_PREFIX = "#/components/schemas/"
# Request text may hold any character but NUL (PostgreSQL keeps none in text or jsonb);
# lone surrogates are not Unicode text, so no conforming client can send one.
NO_NUL = "^[^\\u0000]*$"
JSON_VALUE = "JsonValue"
JSON_OBJECT = "JsonObject"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def json_value_schemas() -> dict[str, Any]:
    """Free-form JSON as the server takes it: any JSON value whose text and keys hold no NUL."""
    ref = {"$ref": SCHEMA_PREFIX + JSON_VALUE}
    return {
        JSON_VALUE: {
            "description": (
                "Any JSON value: text and keys without NUL, finite numbers (integers within "
                f"±10^100), nested at most {MAX_DEPTH} levels."
            ),
            "anyOf": [
                {"type": "string", "pattern": NO_NUL},
                {"type": "number"},
                {"type": "boolean"},
                {"type": "null"},
                {"type": "array", "items": ref},
                {"$ref": SCHEMA_PREFIX + JSON_OBJECT},
            ],
        },
        JSON_OBJECT: {
            "description": "A JSON object of free-form values (see JsonValue).",
            "type": "object",
            "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": ref,
        },
    }


def _share_components(node: Any, schemas: dict[str, Any], *, top: bool = False) -> Any:
    """A component pydantic inlined (the items of a batch, `list[SkipValidation[EmailSendIn]]`)
    becomes a $ref to it, so clients get one EmailSendIn type rather than a copy per use."""
    if isinstance(node, list):
        return [_share_components(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    title = node.get("title")
    if not top and isinstance(title, str) and schemas.get(title) == node:
        return {"$ref": SCHEMA_PREFIX + title}
    return {key: _share_components(value, schemas) for key, value in node.items()}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
            yield ref.removeprefix(SCHEMA_PREFIX)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _closure(roots: list[Any], schemas: dict[str, Any]) -> set[str]:
    """Names of the component schemas `roots` reach, directly or through other components."""
    seen: set[str] = set()
    pending = [name for root in roots for name in _refs(root)]
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        pending.extend(_refs(schemas[name]))
    return seen


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document["paths"].values():
        for method in HTTP_METHODS:
            if method in item:
                yield item[method]


def _is_free_form_object(node: dict[str, Any]) -> bool:
    return (
        node.get("type") == "object"
        and "properties" not in node
        and node.get("additionalProperties", True) is True
    )


def _nullable(node: dict[str, Any]) -> bool:
    if node.get("type") == "null":
        return True
    return any(_nullable(option) for option in node.get("anyOf", ()))


def _tidy(node: Any) -> None:
    """What every schema loses: pydantic's generated property titles ("Externalid") and the
    `default: null` of fields that may be left out but not sent as `null`."""
    if isinstance(node, list):
        for item in node:
            _tidy(item)
        return
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict):
        for prop in properties.values():
            if isinstance(prop, dict):
                prop.pop("title", None)
                _into_text_branch(prop)
                if "default" in prop and prop["default"] is None and not _nullable(prop):
                    del prop["default"]
    for value in node.values():
        _tidy(value)


TEXT_KEYWORDS = ("pattern", "format", "minLength", "maxLength")


def _into_text_branch(prop: dict[str, Any]) -> None:
    """`{anyOf: [{type: string}, {type: null}], pattern}` → the pattern on the string branch,
    where client generators look for it (a pattern only ever constrains strings anyway)."""
    options = prop.get("anyOf")
    moved = {key: prop[key] for key in TEXT_KEYWORDS if key in prop}
    if not isinstance(options, list) or not moved:
        return
    texts = [option for option in options if option.get("type") == "string"]
    if len(texts) != 1:
        return
    texts[0].update(moved)
    for key in moved:
        del prop[key]


def _guard_request(node: Any) -> Any:
    """Request schemas: every text refuses NUL, every free-form object is a JsonObject."""
    if isinstance(node, list):
        return [_guard_request(item) for item in node]
    if not isinstance(node, dict):
        return node
    if _is_free_form_object(node):
        guarded = {k: v for k, v in node.items() if k not in {"type", "additionalProperties"}}
        return (
            {"$ref": SCHEMA_PREFIX + JSON_OBJECT, **guarded}
            if guarded
            else {"$ref": SCHEMA_PREFIX + JSON_OBJECT}
        )
    node = {key: _guard_request(value) for key, value in node.items()}
    if node.get("type") == "string" and not {"enum", "const", "format", "pattern"} & set(node):
        node["pattern"] = NO_NUL
    if node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
        node.setdefault("propertyNames", {"pattern": NO_NUL})
    return node


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter is given or not: a query string has no `null` to send."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return schema
    kept = [option for option in options if option.get("type") != "null"]
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}


def _complete_response(node: dict[str, Any]) -> None:
    """Response objects: a property with a default is always present (ninja renders every
    field; pydantic lists only those without a default as required), and `object` names the
    kind of object. A property whose default is null may be left out (the envelope's `fields`)."""
    properties = node.get("properties")
    if not isinstance(properties, dict):
        return
    required = list(node.get("required", []))
    required += [
        name
        for name, prop in properties.items()
        if name not in required and prop.get("default") is not None
    ]
    node["required"] = [name for name in properties if name in required]
    kind = properties.get("object")
    if isinstance(kind, dict) and isinstance(kind.get("default"), str):
        properties["object"] = {"type": "string", "const": kind["default"]}


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    operations = list(_operations(document))
    request_roots = [op.get("requestBody", {}) for op in operations] + [
        op.get("parameters", []) for op in operations
    ]
    response_roots = [op.get("responses", {}) for op in operations]
    request_names = _closure(request_roots, schemas)
    response_names = _closure(response_roots, schemas)
    shared = request_names & response_names
    if shared:
        raise ValueError(f"schemas used by requests and responses alike: {sorted(shared)}")

    for name in list(schemas):
        schemas[name] = _share_components(schemas[name], schemas, top=True)
    _tidy(schemas)
    for name in request_names:
        schemas[name] = _guard_request(schemas[name])
    for operation in operations:
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            body["schema"] = _guard_request(body["schema"])
        for parameter in operation.get("parameters", []):
            parameter["schema"] = _guard_request(_without_null(parameter["schema"]))
            parameter["schema"].pop("title", None)
    for name in response_names:
        _complete_response(schemas[name])
    for operation in operations:
        scope = operation.get("x-scope")
        if scope:
            # OpenAPI 3.1 lets a non-OAuth requirement list the roles it needs: the scope.
            operation["security"] = [
                {name: [scope] for requirement in operation["security"] for name in requirement}
            ]
    schemas.update(json_value_schemas())
    add_examples(document)
    return document


def render_document(document: dict[str, Any]) -> str:
    """The committed file's text: stable key order as built, two-space indents, a newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
