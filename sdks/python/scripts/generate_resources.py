"""Write the resource classes (`client.emails.send`, …) of both clients from openapi.json.

    python sdks/python/scripts/generate_resources.py [--check]

One method per operation, named by its operationId (`emails_batchSend` → `emails.batch_send`),
with the path parameters first, a body (a generated model or a mapping, plus keyword fields),
the query parameters as keywords, and the response's generated model as its return type.
Lists return a Page (sync) or an AsyncPager (async). `--check` exits non-zero when a file is
stale (tests/sdks/test_python_sdk_files.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

SDK = Path(__file__).resolve().parents[1]
DOCUMENT = SDK.parents[1] / "openapi.json"
PACKAGE = SDK / "src" / "segmentflow_sdk"
OUTPUTS = {False: PACKAGE / "_resources.py", True: PACKAGE / "_async_resources.py"}
# The MCP server reads its tools' input schemas from a copy shipped in the package.
DOCUMENT_COPY = PACKAGE / "openapi.json"
PY_TYPES = {"string": "str", "integer": "int", "boolean": "bool", "number": "float"}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            resource, action = op["operationId"].split("_", 1)
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            status = next(code for code in op["responses"] if code.startswith("2"))
            answer = op["responses"][status].get("content", {}).get("application/json", {})
            found.append(
                {
                    "resource": resource,
                    "method": snake(action),
                    "http": method.upper(),
                    "path": path.removeprefix("/api/v1"),
                    "path_params": [
                        p["name"] for p in op.get("parameters", []) if p["in"] == "path"
                    ],
                    "query": [p for p in op.get("parameters", []) if p["in"] == "query"],
                    "body": ref_name(body.get("schema", {})) if body else None,
                    "out": ref_name(answer.get("schema", {})) if answer else None,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "scope": op.get("x-scope"),
                }
            )
    return found


def list_item(document: dict[str, Any], out: str) -> str | None:
    schema = document["components"]["schemas"].get(out, {})
    props = schema.get("properties", {})
    if set(props) >= {"object", "data", "hasMore", "nextCursor"}:
        return ref_name(props["data"]["items"])
    return None


def query_type(param: dict[str, Any]) -> str:
    schema = param["schema"]
    if "enum" in schema:
        return "Literal[" + ", ".join(json.dumps(v) for v in schema["enum"]) + "]"
    if schema.get("format") == "date-time":
        return "datetime | str"
    return PY_TYPES.get(schema.get("type", "string"), "Any")


def method_code(document: dict[str, Any], op: dict[str, Any], is_async: bool) -> str:
    args = ["self"] + [f"{snake(p)}: str" for p in op["path_params"]]
    item = list_item(document, op["out"]) if op["out"] else None
    keywords: list[str] = []
    if op["body"]:
        args.append(f"body: models.{op['body']} | Mapping[str, Any] | None = None")
        args.append("/")
    if op["query"]:
        keywords += [f"{snake(p['name'])}: {query_type(p)} | None = None" for p in op["query"]]
    if op["http"] != "GET":
        keywords.append("idempotency_key: str | None = None")
    if op["body"]:
        keywords.append("**fields: Any")
    if keywords:
        args += ["*", *keywords]
    if item:
        returns = f"AsyncPager[models.{item}]" if is_async else f"Page[models.{item}]"
    elif op["out"]:
        returns = f"models.{op['out']}"
    else:
        returns = "None"
    path = op["path"]
    for name in op["path_params"]:
        path = path.replace("{" + name + "}", "{" + snake(name) + "}")
    call_args = [f'"{op["http"]}"', f'f"{path}"' if op["path_params"] else f'"{path}"']
    if op["body"]:
        call_args.append("body=merge(body, fields)")
    if op["http"] != "GET":
        call_args.append("idempotency_key=idempotency_key")
    doc = op["summary"] + "."
    if op["scope"]:
        doc += f" Scope `{op['scope']}`."
    signature = ", ".join(args)
    asynchronous = "async " if is_async and not item else ""
    lines = [
        f"    {asynchronous}def {op['method']}({signature}) -> {returns}:",
        f'        """{doc}"""',
    ]
    if item:
        params = (
            "{" + ", ".join(f'"{snake(p["name"])}": {snake(p["name"])}' for p in op["query"]) + "}"
        )
        pager = "self._client.pager" if is_async else "self._client.page"
        lines.append(f"        return {pager}(models.{item}, {call_args[1]}, {params})")
    else:
        model = f"models.{op['out']}" if op["out"] else "None"
        awaiting = "await " if is_async else ""
        lines.append(f"        return {awaiting}self._client.call({model}, {', '.join(call_args)})")
    return "\n".join(lines)


def generate(is_async: bool) -> str:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    by_resource: dict[str, list[dict[str, Any]]] = {}
    for op in operations(document):
        by_resource.setdefault(op["resource"], []).append(op)
    prefix = "Async" if is_async else ""
    client = "AsyncSegmentFlow" if is_async else "SegmentFlow"
    out = [
        f'"""The resources of {client}, generated from openapi.json '
        '(scripts/generate_resources.py).\n\nDo not edit: regenerate.\n"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping",
        "from datetime import datetime",
        "from typing import TYPE_CHECKING, Any, Literal",
        "",
        "from . import _models as models",
        "from ._core import merge",
        f"from ._pagination import {'AsyncPager' if is_async else 'Page'}",
        "",
        "if TYPE_CHECKING:",
        f"    from ._client import {client}",
        "",
        "__all__ = ["
        + ", ".join(f'"{prefix}{name[:1].upper() + name[1:]}"' for name in by_resource)
        + "]",
    ]
    for resource, ops in by_resource.items():
        cls = prefix + resource[:1].upper() + resource[1:]
        out += [
            "",
            "",
            f"class {cls}:",
            f'    """`client.{snake(resource)}`: {", ".join(o["method"] for o in ops)}."""',
            "",
            f"    def __init__(self, client: {client}) -> None:",
            "        self._client = client",
        ]
        for op in ops:
            out += ["", method_code(document, op, is_async)]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a file is stale")
    args = parser.parse_args()
    stale = False
    files = {path: generate(is_async) for is_async, path in OUTPUTS.items()}
    files[DOCUMENT_COPY] = DOCUMENT.read_text(encoding="utf-8")
    for path, code in files.items():
        if args.check:
            if path.read_text(encoding="utf-8") != code:
                print(f"{path} is stale: run {Path(__file__).name}", file=sys.stderr)
                stale = True
        else:
            path.write_text(code, encoding="utf-8")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
