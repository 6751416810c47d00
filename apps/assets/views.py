"""Dashboard views of Assets: the library, inline edits, delete, and the upload endpoints.

The upload endpoints are the API's flow (create → upload session → PUT → finalize) behind the
dashboard's session and CSRF token, calling the same actions; static/js/assets.js drives them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.models import Membership
from segmentflow.dashboard import (
    AuthedRequest,
    json_body,
    json_endpoint,
    list_page,
    render_list,
    require_membership,
    wants_fragment,
)
from segmentflow.errors import (
    ActionError,
)
from segmentflow.scopes import ASSETS_READ, ASSETS_WRITE, has_scope

from . import actions, storage
from .inspection import MAX_BYTES
from .models import Asset

PAGE_SIZE = 24
MAX_QUERY_LENGTH = 100


# The dashboard's names of the fields an ActionError may name.
FIELD_LABELS = {"alt_text": "Alt text", "tags": "Tags", "filename": "Filename"}


def _card_context(membership: Membership, asset: Asset, **extra: Any) -> dict[str, Any]:
    return {"asset": asset, "can_write": has_scope(membership, ASSETS_WRITE)} | extra


@vary_on_headers("HX-Request")
@require_GET
@login_required
def asset_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, ASSETS_READ)
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    assets = Asset.objects.for_org(membership.organization)
    if query:
        assets = assets.search(query)
    page = list_page(request, assets, size=PAGE_SIZE)
    context = {
        "query": query,
        "page": page,
        "can_write": has_scope(membership, ASSETS_WRITE),
        "max_bytes": MAX_BYTES,
    }
    # "Load more" appends cards; a search replaces the results.
    return render_list(request, "assets/list.html", context, rows="cards")


@require_GET
@login_required
def asset_card(request: AuthedRequest, asset_id: str) -> HttpResponse:
    """One card of the library; `?edit=1` makes it the inline edit form."""
    editing = request.GET.get("edit") == "1"
    membership = require_membership(request, ASSETS_WRITE if editing else ASSETS_READ)
    asset = Asset.objects.get_for_org_or_404(membership.organization, asset_id)
    context = _card_context(membership, asset, editing=editing)
    if wants_fragment(request):
        return render(request, "assets/list.html#card", context)
    return render(request, "assets/detail.html", context)


def _error_text(exc: ActionError) -> str:
    """The error's message, led by the name of its field where there is one to show."""
    label = FIELD_LABELS.get(exc.field or "")
    return f"{label}: {exc.message}" if label else exc.message


def _tags_from_text(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


@require_POST
@login_required
def asset_edit(request: AuthedRequest, asset_id: str) -> HttpResponse:
    """Save the alt text and the tags (comma-separated) of an Asset."""
    membership = require_membership(request, ASSETS_WRITE)
    asset = Asset.objects.get_for_org_or_404(membership.organization, asset_id)
    alt_text = request.POST.get("alt_text", "")
    tags_text = request.POST.get("tags", "")
    try:
        asset = actions.update_asset(asset, alt_text=alt_text, tags=_tags_from_text(tags_text))
    except ActionError as exc:
        asset.refresh_from_db()
        context = _card_context(
            membership,
            asset,
            editing=True,
            error=exc.message,
            error_field=exc.field,
            alt_text_value=alt_text,
            tags_value=tags_text,
        )
        template = "assets/list.html#card" if wants_fragment(request) else "assets/detail.html"
        return render(request, template, context, status=422)
    if wants_fragment(request):
        return render(request, "assets/list.html#card", _card_context(membership, asset))
    messages.success(request, f"{asset.filename} saved.")
    return redirect(reverse("assets:list") + f"#{asset.pk}")


@require_http_methods(["GET", "POST"])
@login_required
def asset_delete(request: AuthedRequest, asset_id: str) -> HttpResponse:
    membership = require_membership(request, ASSETS_WRITE)
    asset = Asset.objects.get_for_org_or_404(membership.organization, asset_id)
    if request.method == "GET":
        return render(request, "assets/delete.html", {"asset": asset})
    try:
        actions.delete_asset(asset)
    except ActionError as exc:
        messages.error(request, f"{asset.filename} was not deleted: {exc.message}")
        if wants_fragment(request):
            return render(request, "assets/list.html#card", _card_context(membership, asset))
        return redirect(reverse("assets:list"))
    messages.success(request, f"{asset.filename} was deleted.")
    if wants_fragment(request):
        # An empty swap removes the card; the middleware adds the toast.
        return HttpResponse("")
    return redirect(reverse("assets:list"))


@require_POST
@login_required
def asset_upload_form(request: AuthedRequest) -> HttpResponse:
    """Without JavaScript: one file through a plain multipart form, with the same actions."""
    membership = require_membership(request, ASSETS_WRITE)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose an image to upload.")
        return redirect(reverse("assets:list"))
    try:
        asset = actions.upload_asset(
            membership.organization,
            upload,
            alt_text=request.POST.get("alt_text", ""),
            tags=_tags_from_text(request.POST.get("tags", "")),
        )
    except ActionError as exc:
        messages.error(request, f"{upload.name} was not uploaded: {_error_text(exc)}")
        return redirect(reverse("assets:list"))
    messages.success(request, f"{asset.filename} uploaded.")
    return redirect(reverse("assets:list"))


# The JSON endpoints of static/js/assets.js: the API's upload flow on the dashboard's session.


@require_POST
@login_required
@json_endpoint
def upload_create(request: AuthedRequest) -> HttpResponse:
    """Create an Asset waiting for its bytes: `{filename, contentType, size, altText?}`."""
    membership = require_membership(request, ASSETS_WRITE)
    body = json_body(request)
    asset = actions.create_asset(
        membership.organization,
        filename=body.get("filename"),
        content_type=str(body.get("contentType") or ""),
        size=body.get("size"),
        alt_text=body.get("altText") or "",
    )
    return JsonResponse({"id": asset.pk, "status": asset.status}, status=201)


@require_POST
@login_required
@json_endpoint
def upload_session(request: AuthedRequest, asset_id: str) -> HttpResponse:
    membership = require_membership(request, ASSETS_WRITE)
    asset = Asset.objects.get_for_org_or_404(membership.organization, asset_id)
    target = actions.create_upload_session(asset)
    return JsonResponse(
        {
            "uploadUrl": target.url,
            "method": target.method,
            "headers": target.headers,
            "expiresAt": target.expires_at.isoformat(),
        }
    )


@require_POST
@login_required
@json_endpoint
def upload_finalize(request: AuthedRequest, asset_id: str) -> HttpResponse:
    """Inspect the uploaded bytes; answer with the ready card's HTML."""
    membership = require_membership(request, ASSETS_WRITE)
    asset = actions.finalize_asset(
        Asset.objects.get_for_org_or_404(membership.organization, asset_id)
    )
    card = render_to_string(
        "assets/list.html#card", _card_context(membership, asset), request=request
    )
    return JsonResponse(
        {
            "id": asset.pk,
            "status": asset.status,
            "url": storage.public_url(asset.original_key),
            "cardHtml": card,
        }
    )
