"""The SegmentFlow MCP server: the API's launch surface as MCP tools, with your API key.

    segmentflow-mcp --base-url http://127.0.0.1:8000 --api-key sf_live_…   # stdio (default)
    segmentflow-mcp --transport http --port 8808                           # Streamable HTTP

Each tool is one API operation named by its operationId (`emails_send`, `events_track`, …),
its input schema taken from openapi.json, and it calls the Python SDK, so it cannot drift from
the routes. An API error comes back as a tool error whose text starts with the errorCode.
"""

from __future__ import annotations

from .server import build_server, main

__all__ = ["build_server", "main"]
