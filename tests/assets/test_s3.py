"""The upload → finalize → delete flow against a real S3 API: moto in server mode, reached
through django-storages and boto3, with a real HTTP PUT to the presigned URL."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.request
from typing import Any, ClassVar

import boto3
from django.conf import settings
from django.test import override_settings
from moto.server import ThreadedMotoServer

from apps.assets.inspection import MAX_BYTES
from tests.base import PersonaTestCase

from .images import TEXT_FILE, image_bytes

BUCKET = "segmentflow-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class S3FlowTests(PersonaTestCase):
    server: ClassVar[ThreadedMotoServer]
    endpoint: ClassVar[str]

    @classmethod
    def setUpClass(cls) -> None:
        # moto's werkzeug logs every request at INFO.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        cls.endpoint = f"http://{host}:{port}"
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls.server.stop()

    def setUp(self) -> None:
        super().setUp()
        self.s3 = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1", **CREDENTIALS
        )
        self.s3.create_bucket(Bucket=BUCKET)
        # As in production: objects are readable by anyone (email clients load them).
        public_read = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{BUCKET}/*",
                }
            ],
        }
        self.s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_read))
        self.addCleanup(self.empty_bucket)
        s3_storage = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "region_name": "us-east-1",
                "endpoint_url": self.endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "signature_version": "s3v4",
                "addressing_style": "path",
                "querystring_auth": False,
                "file_overwrite": True,
                "default_acl": None,
            },
        }
        override = override_settings(STORAGES={**settings.STORAGES, "default": s3_storage})
        override.enable()
        self.addCleanup(override.disable)

    def empty_bucket(self) -> None:
        for key in self.keys():
            self.s3.delete_object(Bucket=BUCKET, Key=key)
        self.s3.delete_bucket(Bucket=BUCKET)

    def keys(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=BUCKET)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def create(self, **body: Any) -> dict[str, Any]:
        body = {"filename": "logo.png", "contentType": "image/png", "size": 1000, **body}
        response = self.api("POST", "/assets", body=body)
        self.assertEqual(response.status_code, 201, response.content)
        return dict(response.json())

    def put(self, asset_id: str, data: bytes) -> int:
        session = self.api("POST", f"/assets/{asset_id}/upload-session").json()
        self.assertEqual(session["method"], "PUT")
        self.assertTrue(session["uploadUrl"].startswith(f"{self.endpoint}/{BUCKET}/"))
        self.assertIn("X-Amz-Signature=", session["uploadUrl"])
        request = urllib.request.Request(  # noqa: S310 - the presigned URL of the local moto
            session["uploadUrl"], data=data, method="PUT", headers=session["headers"]
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)

    def test_upload_finalize_delete_through_the_bucket(self) -> None:
        asset = self.create(filename="photo.jpg", contentType="image/jpeg")
        jpeg = image_bytes("JPEG", (800, 600))
        self.assertEqual(self.put(asset["id"], jpeg), 200)
        self.assertEqual(self.keys(), [f"uploads/{asset['id']}"])
        uploaded = self.s3.head_object(Bucket=BUCKET, Key=f"uploads/{asset['id']}")
        self.assertEqual(uploaded["ContentType"], "image/jpeg")

        response = self.api("POST", f"/assets/{asset['id']}/finalize")
        self.assertEqual(response.status_code, 200, response.content)
        ready = response.json()
        self.assertEqual((ready["status"], ready["contentType"]), ("ready", "image/jpeg"))
        self.assertEqual((ready["width"], ready["height"]), (800, 600))
        keys = self.keys()
        self.assertEqual(len(keys), 2, keys)
        self.assertTrue(all(key.startswith(f"assets/{asset['id']}/") for key in keys))
        base = f"{self.endpoint}/{BUCKET}/"
        urls = {ready["url"].removeprefix(base), ready["thumbnailUrl"].removeprefix(base)}
        self.assertEqual(urls, set(keys))
        with urllib.request.urlopen(ready["thumbnailUrl"], timeout=10) as thumbnail:  # noqa: S310
            self.assertEqual(thumbnail.headers["Content-Type"], "image/webp")
            self.assertEqual(thumbnail.read()[8:12], b"WEBP")

        again = self.api("POST", f"/assets/{asset['id']}/finalize")
        self.assertEqual(again.json(), ready)

        self.assertEqual(self.api("DELETE", f"/assets/{asset['id']}").status_code, 204)
        self.assertEqual(self.keys(), [])

    def test_a_bad_upload_is_refused_and_removed_from_the_bucket(self) -> None:
        asset = self.create()
        self.assertEqual(self.put(asset["id"], TEXT_FILE), 200)
        self.assertEnvelope(
            self.api("POST", f"/assets/{asset['id']}/finalize"), 422, "invalid_image"
        )
        self.assertEqual(self.keys(), [])

    def test_an_object_over_10_mib_is_refused_and_removed(self) -> None:
        asset = self.create()
        self.assertEqual(self.put(asset["id"], b"\0" * (MAX_BYTES + 1)), 200)
        self.assertEnvelope(
            self.api("POST", f"/assets/{asset['id']}/finalize"), 413, "payload_too_large"
        )
        self.assertEqual(self.keys(), [])
        self.assertEqual(self.api("GET", f"/assets/{asset['id']}").json()["status"], "failed")

    def test_finalize_without_an_upload_is_invalid_state(self) -> None:
        asset = self.create()
        self.assertEnvelope(
            self.api("POST", f"/assets/{asset['id']}/finalize"), 409, "invalid_state"
        )

    def test_public_urls_use_the_configured_base(self) -> None:
        with self.settings(SEGMENTFLOW_S3_PUBLIC_BASE_URL="https://cdn.example.com/m"):
            asset = self.create()
            self.put(asset["id"], image_bytes())
            ready = self.api("POST", f"/assets/{asset['id']}/finalize").json()
        self.assertTrue(ready["url"].startswith(f"https://cdn.example.com/m/assets/{asset['id']}/"))


def test_the_s3_settings_come_from_the_environment() -> None:
    env = {
        **os.environ,
        "SEGMENTFLOW_S3_BUCKET": "media",
        "SEGMENTFLOW_S3_REGION": "eu-west-3",
        "SEGMENTFLOW_S3_ENDPOINT_URL": "http://minio:9000",
        "SEGMENTFLOW_S3_ACCESS_KEY_ID": "id",
        "SEGMENTFLOW_S3_SECRET_ACCESS_KEY": "secret",
        "DJANGO_SETTINGS_MODULE": "segmentflow.settings",
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    default = json.loads(output.strip().splitlines()[-1])
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "media"
    assert options["region_name"] == "eu-west-3"
    assert options["endpoint_url"] == "http://minio:9000"
    assert (options["access_key"], options["secret_key"]) == ("id", "secret")
    assert (options["signature_version"], options["addressing_style"]) == ("s3v4", "path")
