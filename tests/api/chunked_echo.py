"""A WSGI app for test_chunked_bodies: segmentflow.wsgi's spooling in front of an echo of
what the application then sees (its CONTENT_LENGTH and the bytes it can read)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from segmentflow.wsgi import ChunkedRequestBodies


def echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = environ.get("CONTENT_LENGTH", "")
    data = environ["wsgi.input"].read(int(length)) if length else b""
    body = json.dumps(
        {
            "contentLength": length,
            "read": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


application = ChunkedRequestBodies(echo)
