"""Views of local storage: the signed upload URL and the public media files.

With S3 neither is used: clients PUT to a presigned URL and images are served by the bucket.
"""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from segmentflow.errors import ActionError, api_error_response, envelope_response, to_api_error

from . import actions, storage
from .models import Asset, AssetStatus

CACHE_FOREVER = "public, max-age=31536000, immutable"


@csrf_exempt
@require_http_methods(["PUT"])
def upload(request: HttpRequest, token: str) -> HttpResponse:
    """`PUT /api/v1/uploads/<token>`: the token, not an API key, authorises one asset, once.

    404 `not_found` for a forged, malformed or expired token (or a deleted asset); 409
    `invalid_state` for a token already used or replaced by a newer session; 413
    `payload_too_large` over 10 MiB (the token is spent: open a new session).
    """
    upload_token = storage.read_upload_token(token)
    if upload_token is None or not storage.is_local():
        return envelope_response(
            request, 404, "not_found", "This upload URL is unknown or expired."
        )
    try:
        asset = actions.claim_upload_token(upload_token)
        length = request.META.get("CONTENT_LENGTH") or ""
        actions.receive_upload(asset, request, int(length) if length.isdigit() else None)
    except ActionError as exc:
        return api_error_response(request, to_api_error(exc))
    return HttpResponse(status=204)


@require_safe
def media_file(request: HttpRequest, key: str) -> HttpResponseBase:
    """A stored image of a ready Asset, under its content-addressed key, cacheable forever.

    Only keys recorded on a ready asset are served (never a raw upload), always with an image
    type and nosniff, so nothing here can be rendered as a page.
    """
    parts = key.split("/")
    if not storage.is_local() or len(parts) != 3 or parts[0] != "assets":
        raise Http404
    asset = Asset.objects.filter(pk=parts[1], status=AssetStatus.READY).first()
    if asset is None or key not in (asset.original_key, asset.thumbnail_key):
        raise Http404
    content_type = asset.content_type if key == asset.original_key else asset.thumbnail_content_type
    if not content_type.startswith("image/"):
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    try:
        stored = storage.default_storage().open(key, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(stored, content_type=content_type)
    response["Cache-Control"] = CACHE_FOREVER
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
