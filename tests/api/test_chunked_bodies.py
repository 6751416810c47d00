"""Chunked request bodies are read, or refused with 411, never taken as empty (issue #10, 5).

gunicorn de-chunks a body and marks the stream `wsgi.input_terminated` without giving it a
length; `segmentflow.wsgi` then spools and measures it. The first test proves that against a
real gunicorn; the others drive the project's WSGI application in process with the environ
gunicorn produces, and Django's test client as a server that does not de-chunk.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from apps.assets.models import Asset
from apps.profiles.models import Profile
from segmentflow.wsgi import application
from tests.assets.images import image_bytes
from tests.assets.test_assets_api import LocalStorageTestCase
from tests.base import PersonaTestCase

ECHO_APP = Path(__file__).with_name("chunked_echo.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_gunicorn_hands_a_chunked_body_over_with_its_length() -> None:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            Path(sys.executable).with_name("gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ECHO_APP.parent),
            "chunked_echo:application",
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = os.urandom(300_000)
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("PUT", "/", body=chunks(body), encode_chunked=True)
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        response = connection.getresponse()
        echoed = json.loads(response.read())
        assert response.status == 200
        assert echoed == {
            "contentLength": str(len(body)),
            "read": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
    finally:
        server.terminate()
        server.wait(10)


class InProcessWsgi:
    """Call segmentflow.wsgi.application as gunicorn would, inside the test's transaction."""

    def chunked(
        self, method: str, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        parts = urlsplit(url)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),  # already de-chunked, as gunicorn gives it
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_TRANSFER_ENCODING": "chunked",
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
        status: list[str] = []
        start: Callable[..., None] = lambda s, h, exc_info=None: status.append(s)  # noqa: E731
        # The handler closes "old" connections around each request; inside a TestCase that
        # would close the test's own connection (Django's test client does the same dance).
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = application(environ, start)
            content = b"".join(result)
            getattr(result, "close", lambda: None)()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return int(status[0].split()[0]), content


class ChunkedUploadTests(InProcessWsgi, LocalStorageTestCase):
    def test_a_chunked_upload_is_stored_and_finalizes(self) -> None:
        asset = self.create()
        session = self.upload_session(asset["id"])
        data = image_bytes()
        status, _ = self.chunked("PUT", session["uploadUrl"], data, {"Content-Type": "image/png"})
        self.assertEqual(status, 204)
        self.assertEqual(self.finalize(asset["id"]).json()["status"], "ready")
        self.assertEqual(Asset.objects.get(pk=asset["id"]).size, len(data))

    def test_a_chunked_upload_over_10_mib_is_413(self) -> None:
        asset = self.create()
        session = self.upload_session(asset["id"])
        status, content = self.chunked(
            "PUT", session["uploadUrl"], b"x" * (10 * 1024 * 1024 + 1), {}
        )
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(content)["error"]["errorCode"], "payload_too_large")

    def test_a_server_that_does_not_dechunk_gets_411_and_the_token_survives(self) -> None:
        asset = self.create()
        session = self.upload_session(asset["id"])
        path = urlsplit(session["uploadUrl"]).path
        response = self.client.generic(
            "PUT", path, b"", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
        )
        error = self.assertEnvelope(response, 411, "length_required")
        self.assertIn("Content-Length", error["message"])
        self.assertEqual(self.put(session["uploadUrl"], image_bytes()).status_code, 204)


class ChunkedJsonTests(InProcessWsgi, PersonaTestCase):
    def test_a_chunked_json_post_is_read(self) -> None:
        body = json.dumps({"email": "chunked@example.com"}).encode()
        status, content = self.chunked(
            "POST",
            "/api/v1/profiles",
            body,
            {"Content-Type": "application/json", "x-api-key": self.acme_secret},
        )
        self.assertEqual(status, 201, content)
        self.assertTrue(Profile.objects.filter(email="chunked@example.com").exists())

    def test_a_chunked_json_post_over_1_mib_is_413(self) -> None:
        body = json.dumps({"email": "big@example.com", "firstName": "x" * 1024 * 1024}).encode()
        status, content = self.chunked(
            "POST",
            "/api/v1/profiles",
            body,
            {"Content-Type": "application/json", "x-api-key": self.acme_secret},
        )
        self.assertEqual(status, 413, content)
        self.assertFalse(Profile.objects.exists())
