"""The MCP server, launched as a host launches it (`segmentflow-mcp` over stdio, and over
Streamable HTTP), driven by the official mcp client against a live SegmentFlow."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import Organization
from tests.contract.test_fuzz import make_template
from tests.factories import make_api_key, make_org
from tests.sdks.running import run_apart

pytestmark = pytest.mark.django_db(transaction=True)


COMMAND = (
    shutil.which("segmentflow-mcp", path=str(Path(sys.executable).parent)) or "segmentflow-mcp"
)


def text_of(result: CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, TextContent))


async def exercise(session: ClientSession, template_id: str) -> dict[str, Any]:
    await session.initialize()
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    tracked = await session.call_tool(
        "events_track", {"name": "order.completed", "email": "ada@example.com"}
    )
    sent = await session.call_tool(
        "emails_send", {"templateId": template_id, "to": {"email": "ada@example.com"}}
    )
    listed = await session.call_tool("profiles_list", {"limit": 1})
    refused = await session.call_tool("profiles_create", {"email": "not an address"})
    return {"tools": tools, "tracked": tracked, "sent": sent, "listed": listed, "refused": refused}


def check(outcome: dict[str, Any]) -> None:
    tools = outcome["tools"]
    assert {
        "emails_send",
        "emails_batchSend",
        "emails_get",
        "emails_list",
        "events_track",
        "profiles_list",
        "profiles_get",
        "templates_list",
        "templates_render",
    } <= set(tools)
    send = tools["emails_send"]
    assert "templateId" in send.input_schema["properties"]
    assert send.input_schema["properties"]["data"]["$ref"] == "#/$defs/JsonObject"
    assert tools["emails_list"].annotations.read_only_hint is True
    assert tools["emails_cancel"].annotations.destructive_hint is True
    assert not outcome["tracked"].is_error, text_of(outcome["tracked"])
    assert json.loads(text_of(outcome["tracked"]))["event"]["name"] == "order.completed"
    assert not outcome["sent"].is_error, text_of(outcome["sent"])
    assert json.loads(text_of(outcome["sent"]))["status"] == "queued"
    assert json.loads(text_of(outcome["listed"]))["hasMore"] is False
    assert outcome["refused"].is_error
    assert text_of(outcome["refused"]).startswith("validation_failed: email: not a valid email")


@pytest.fixture
def org() -> Organization:
    return make_org("MCP")


def stdio_params(live_server: LiveServer, key: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=COMMAND, args=["--base-url", live_server.url, "--api-key", key]
    )


def test_over_stdio_the_tools_act_and_refusals_are_tool_errors(
    live_server: LiveServer, org: Organization
) -> None:
    template = make_template(org)
    _, key = make_api_key(org, "all")

    async def run() -> dict[str, Any]:
        async with (
            stdio_client(stdio_params(live_server, key)) as (read, write),
            ClientSession(read, write) as session,
        ):
            return await exercise(session, template.pk)

    check(run_apart(run))


def test_a_key_without_emails_send_gets_insufficient_scope(
    live_server: LiveServer, org: Organization
) -> None:
    _, key = make_api_key(org, ["profiles:read"])

    async def run() -> CallToolResult:
        async with (
            stdio_client(stdio_params(live_server, key)) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await session.call_tool(
                "emails_send", {"templateId": "tmpl_x", "to": {"email": "ada@example.com"}}
            )

    result = run_apart(run)
    assert result.is_error
    assert text_of(result).startswith("insufficient_scope:"), text_of(result)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def http_server(live_server: LiveServer, org: Organization) -> Iterator[str]:
    _, key = make_api_key(org, "all")
    port = free_port()
    process = subprocess.Popen(
        [
            COMMAND,
            "--transport",
            "http",
            "--port",
            str(port),
            "--base-url",
            live_server.url,
            "--api-key",
            key,
        ]
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)


def test_over_streamable_http_the_same(http_server: str, org: Organization) -> None:
    template = make_template(org)

    async def run() -> dict[str, Any]:
        async with (
            streamable_http_client(http_server) as (read, write),
            ClientSession(read, write) as session,
        ):
            return await exercise(session, template.pk)

    check(run_apart(run))


def test_the_http_transport_refuses_another_host_or_origin(http_server: str) -> None:
    import httpx

    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream"}
    evil_host = httpx.post(http_server, json=body, headers={**headers, "Host": "evil.example"})
    assert evil_host.status_code == 421
    evil_origin = httpx.post(
        http_server, json=body, headers={**headers, "Origin": "http://evil.example"}
    )
    assert evil_origin.status_code == 403
