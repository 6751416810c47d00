"""Tools from openapi.json, calls through AsyncSegmentFlow, stdio or Streamable HTTP.

Built on mcp's low-level `Server`: `MCPServer` derives a tool's input schema from a Python
signature and cannot publish the document's own, which is the point here. Errors are returned
as `isError` results carrying the API's errorCode and message (what `ToolError` gives under
MCPServer), so the host shows why a call was refused.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import anyio
import jsonschema
import mcp.types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.mcpserver.exceptions import ToolError

from .._client import AsyncSegmentFlow
from .._core import DEFAULT_BASE_URL, __version__
from .._errors import SegmentFlowError
from .._pagination import AsyncPage

READ = types.ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
WRITE = types.ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True)
CANCEL = types.ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True)


@dataclass(frozen=True)
class Curated:
    """A tool: its operationId, what the host should know beyond the summary, annotations."""

    operation_id: str
    guidance: str
    annotations: types.ToolAnnotations


# The v1 launch surface, chosen rather than every route: no deletes, no uploads of bytes.
CURATED = [
    Curated("me_get", "Which key and Organization the server uses.", READ),
    Curated(
        "emails_send",
        "Send one email from a Template to a Profile (`profileId`) or an address (`to`); "
        "`data` fills the Template's merge fields. Answers the queued EmailSend.",
        WRITE,
    ),
    Curated("emails_batchSend", "Send up to 100 emails; each item is refused or queued.", WRITE),
    Curated("emails_get", "An EmailSend with its status timeline.", READ),
    Curated("emails_list", "EmailSends, newest first, by status, Profile or Template.", READ),
    Curated("emails_cancel", "Cancel an email still scheduled or queued.", CANCEL),
    Curated(
        "events_track",
        "Record an event of a Profile (by `profileId`, `email` or `externalId`); matching "
        "active Journeys start.",
        WRITE,
    ),
    Curated("events_batchTrack", "Record up to 500 events.", WRITE),
    Curated("profiles_list", "Profiles, newest first, by email, externalId or status.", READ),
    Curated("profiles_get", "One Profile.", READ),
    Curated("profiles_create", "Create a Profile (409 when the email exists).", WRITE),
    Curated("profiles_update", "Change some fields of a Profile.", WRITE),
    Curated("templates_list", "Templates, newest first.", READ),
    Curated("templates_get", "One Template, with its merge fields.", READ),
    Curated("templates_render", "Render a Template for a Profile or sample data.", READ),
    Curated("brandKits_list", "Brand Kits.", READ),
    Curated("domains_list", "Sending domains and their DNS status.", READ),
]
SCHEMA_PREFIX = "#/components/schemas/"


def load_document() -> dict[str, Any]:
    text = resources.files("segmentflow_sdk").joinpath("openapi.json").read_text("utf-8")
    return dict(json.loads(text))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: value.replace(SCHEMA_PREFIX, "#/$defs/") if key == "$ref" else _rewrite_refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _referenced(root: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
                name = ref.removeprefix(SCHEMA_PREFIX)
                if name not in found:
                    found[name] = schemas[name]
                    pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


@dataclass
class ToolSpec:
    tool: types.Tool
    resource: str
    method: str
    path_params: list[str]
    query_params: list[str]
    has_body: bool


def tool_specs(document: dict[str, Any]) -> dict[str, ToolSpec]:
    """The curated operations as MCP tools: path and query parameters and the body's fields
    side by side in one input object, each schema as the document gives it."""
    schemas = document["components"]["schemas"]
    operations = {
        op["operationId"]: (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    specs: dict[str, ToolSpec] = {}
    for curated in CURATED:
        path, _, op = operations[curated.operation_id]
        properties: dict[str, Any] = {}
        required: list[str] = []
        params = op.get("parameters", [])
        for param in params:
            properties[param["name"]] = param["schema"]
            if param.get("required"):
                required.append(param["name"])
        body_ref = (
            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        extra: dict[str, Any] = {}
        if body_ref:
            body = schemas[body_ref["$ref"].removeprefix(SCHEMA_PREFIX)]
            properties.update(body.get("properties", {}))
            required += body.get("required", [])
            extra = {key: body[key] for key in ("anyOf", "oneOf", "not") if key in body}
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
            **extra,
        }
        defs = _referenced(schema, schemas)
        if defs:
            schema["$defs"] = defs
        scope = op.get("x-scope")
        description = f"{op['summary']}. {curated.guidance}"
        if scope:
            description += f" Needs an API key with the `{scope}` scope."
        resource, action = curated.operation_id.split("_", 1)
        specs[curated.operation_id] = ToolSpec(
            tool=types.Tool(
                name=curated.operation_id,
                title=op["summary"],
                description=description,
                input_schema=_rewrite_refs(schema),
                annotations=curated.annotations,
            ),
            resource=_snake(resource),
            method=_snake(action),
            path_params=[p["name"] for p in params if p["in"] == "path"],
            query_params=[p["name"] for p in params if p["in"] == "query"],
            has_body=bool(body_ref),
        )
    return specs


def _dump(value: Any) -> Any:
    if isinstance(value, AsyncPage):
        return {
            "object": "list",
            "data": [_dump(item) for item in value.data],
            "hasMore": value.has_more,
            "nextCursor": value.next_cursor,
        }
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    return value


def error_text(error: SegmentFlowError) -> str:
    text = f"{error.error_code}: {error.message}"
    for field in error.fields:
        text += f"\n- {field.get('path')}: {field.get('message')}"
    if error.request_id:
        text += f"\n(requestId {error.request_id})"
    return text


async def call_tool(client: AsyncSegmentFlow, spec: ToolSpec, arguments: dict[str, Any]) -> Any:
    args = dict(arguments)
    positional = [args.pop(name) for name in spec.path_params]
    method = getattr(getattr(client, spec.resource), spec.method)
    if spec.query_params:
        query = {_snake(name): args.pop(name) for name in spec.query_params if name in args}
        return await method(*positional, **query)
    if spec.has_body:
        return await method(*positional, args)
    return await method(*positional)


def build_server(client: AsyncSegmentFlow) -> Server:
    specs = tool_specs(load_document())

    async def on_list_tools(
        ctx: ServerRequestContext, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[spec.tool for spec in specs.values()])

    async def on_call_tool(
        ctx: ServerRequestContext, params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            spec = specs.get(params.name)
            if spec is None:
                raise ToolError(f"unknown_tool: there is no tool named {params.name!r}")
            arguments = params.arguments or {}
            try:
                jsonschema.validate(arguments, spec.tool.input_schema)
            except jsonschema.ValidationError as exc:
                where = ".".join(str(part) for part in exc.absolute_path) or "arguments"
                raise ToolError(f"validation_failed: {where}: {exc.message}") from None
            try:
                result = await call_tool(client, spec, arguments)
            except SegmentFlowError as exc:
                raise ToolError(error_text(exc)) from exc
        except ToolError as exc:
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=str(exc))], is_error=True
            )
        text = json.dumps(_dump(result), ensure_ascii=False)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    return Server(
        "segmentflow",
        version=__version__,
        instructions=(
            "Tools of the SegmentFlow API (emails, events, profiles, templates), acting with "
            "the API key this server was started with. Errors start with the API's errorCode."
        ),
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )


async def serve_stdio(server: Server) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def serve_http(server: Server, host: str, port: int, path: str) -> None:
    import uvicorn

    # Bound to 127.0.0.1 by default, mcp checks Host and Origin (DNS rebinding protection).
    app = server.streamable_http_app(streamable_http_path=path, host=host)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="segmentflow-mcp", description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("SEGMENTFLOW_BASE_URL"))
    parser.add_argument("--api-key", default=os.environ.get("SEGMENTFLOW_API_KEY"))
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP only (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8808, help="HTTP only (default 8808)")
    parser.add_argument("--path", default="/mcp", help="HTTP only (default /mcp)")
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("give --api-key or set SEGMENTFLOW_API_KEY")
    client = AsyncSegmentFlow(api_key=args.api_key, base_url=args.base_url or DEFAULT_BASE_URL)
    server = build_server(client)
    if args.transport == "stdio":
        anyio.run(serve_stdio, server)
    else:
        serve_http(server, args.host, args.port, args.path)
    return 0
