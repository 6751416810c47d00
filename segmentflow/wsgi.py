"""WSGI entry point: gunicorn serves `segmentflow.wsgi:application`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segmentflow.settings")

# Larger than every body limit (API 1 MiB, asset uploads 10 MiB, CSV imports 20 MiB), so the
# limit of the route still decides; a body past this is cut here and refused there as too large.
MAX_SPOOLED_BODY_BYTES = 32 * 1024 * 1024
_IN_MEMORY_BYTES = 1024 * 1024
_BLOCK = 64 * 1024

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ChunkedRequestBodies:
    """Give a `Transfer-Encoding: chunked` body a length, so Django reads it.

    gunicorn de-chunks such a body and says so with `wsgi.input_terminated`, but leaves
    CONTENT_LENGTH unset, and Django then reads an empty body: a chunked PUT of an upload
    stored nothing. The body is spooled (to disk past 1 MiB) and measured. A server that does
    not de-chunk leaves CONTENT_LENGTH unset, and ApiEnvelopeMiddleware answers 411.
    """

    def __init__(self, app: WsgiApp, max_bytes: int = MAX_SPOOLED_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            spool = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES)  # noqa: SIM115
            size = 0
            stream = environ["wsgi.input"]
            while size <= self.max_bytes:
                block = stream.read(min(_BLOCK, self.max_bytes + 1 - size))
                if not block:
                    break
                spool.write(block)
                size += len(block)
            spool.seek(0)
            environ["wsgi.input"] = spool
            environ["CONTENT_LENGTH"] = str(size)
        return self.app(environ, start_response)


application = ChunkedRequestBodies(get_wsgi_application())
