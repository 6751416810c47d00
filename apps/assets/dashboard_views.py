"""Dashboard views of Assets: the library, inline edits, delete, and the upload endpoints.

The upload endpoints are the API's flow (create → upload session → PUT → finalize) behind the
dashboard's session and CSRF token, calling the same actions; static/js/assets.js drives them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.dashboard import AuthedRequest, require_membership, wants_fragment
from apps.accounts.models import Membership
from apps.accounts.permissions import has_scope
from segmentflow import values as json_values
from segmentflow.errors import ActionError, ApiError, api_error_response, envelope_response
from segmentflow.pagination import PageQuery, paginate

from . import actions, storage
from .inspection import MAX_BYTES
from .models import Asset

READ = "assets:read"
WRITE = "assets:write"
PAGE_SIZE = 24
MAX_QUERY_LENGTH = 100


# The dashboard's names of the fields an ActionError may name.
FIELD_LABELS = {"altText": "Alt text", "tags": "Tags", "filename": "Filename"}


def get_asset_or_404(membership: Membership, asset_id: str) -> Asset:
    return get_object_or_404(Asset.objects.for_org(membership.organization), pk=asset_id)


def _list_url(request: AuthedRequest, after: str | None) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    if after:
        query["after"] = after
    return f"{reverse('assets:list')}?{query.urlencode()}" if query else reverse("assets:list")


def _card_context(membership: Membership, asset: Asset, **extra: Any) -> dict[str, Any]:
    return {"asset": asset, "can_write": has_scope(membership, WRITE)} | extra


@vary_on_headers("HX-Request")
@require_GET
@login_required
def asset_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request, READ)
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    assets = Asset.objects.for_org(membership.organization)
    if query:
        assets = assets.search(query)
    after = request.GET.get("after", "")
    try:
        page = paginate(assets, PageQuery(limit=PAGE_SIZE, after=after or None))
    except ApiError as exc:
        raise BadRequest("malformed cursor") from exc
    context = {
        "query": query,
        "assets": page["data"],
        "next_url": _list_url(request, page["next_cursor"]) if page["has_more"] else None,
        "first_url": _list_url(request, None),
        "is_later_page": bool(after),
        "can_write": has_scope(membership, WRITE),
        "max_bytes": MAX_BYTES,
    }
    template = "assets/list.html"
    if wants_fragment(request):
        # "Load more" appends cards; a search replaces the results.
        template += "#cards" if after else "#results"
    return render(request, template, context)


@require_GET
@login_required
def asset_card(request: AuthedRequest, asset_id: str) -> HttpResponse:
    """One card of the library; `?edit=1` makes it the inline edit form."""
    editing = request.GET.get("edit") == "1"
    membership = require_membership(request, WRITE if editing else READ)
    asset = get_asset_or_404(membership, asset_id)
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
    membership = require_membership(request, WRITE)
    asset = get_asset_or_404(membership, asset_id)
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
    membership = require_membership(request, WRITE)
    asset = get_asset_or_404(membership, asset_id)
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
    membership = require_membership(request, WRITE)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose an image to upload.")
        return redirect(reverse("assets:list"))
    try:
        asset = actions.create_asset(
            membership.organization,
            filename=upload.name or "image",
            content_type=upload.content_type or "",
            size=upload.size or 0,
            alt_text=request.POST.get("alt_text", ""),
            tags=_tags_from_text(request.POST.get("tags", "")),
        )
        actions.receive_upload(asset, upload, upload.size)
        asset = actions.finalize_asset(asset)
    except ActionError as exc:
        messages.error(request, f"{upload.name} was not uploaded: {_error_text(exc)}")
        return redirect(reverse("assets:list"))
    messages.success(request, f"{asset.filename} uploaded.")
    return redirect(reverse("assets:list"))


# The JSON endpoints of static/js/assets.js: errors in the API's envelope.


def _json_body(request: AuthedRequest) -> dict[str, Any]:
    try:
        body = json_values.loads(request.body or b"{}")
    except json_values.JsonProblem as problem:
        raise ActionError("validation_failed", problem.path or None, problem.message) from None
    if not isinstance(body, dict):
        raise ActionError("validation_failed", None, "The body must be a JSON object.")
    return body


def _action_error(request: AuthedRequest, exc: ActionError) -> HttpResponse:
    return api_error_response(request, exc.to_api_error())


@require_POST
@login_required
def upload_create(request: AuthedRequest) -> HttpResponse:
    """Create an Asset waiting for its bytes: `{filename, contentType, size, altText?}`."""
    membership = require_membership(request, WRITE)
    try:
        body = _json_body(request)
        filename, size = body.get("filename"), body.get("size")
        if not isinstance(filename, str):
            raise ActionError("validation_failed", "filename", "field required")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ActionError("validation_failed", "size", "must be a positive integer")
        asset = actions.create_asset(
            membership.organization,
            filename=filename,
            content_type=str(body.get("contentType") or ""),
            size=size,
            alt_text=str(body.get("altText") or ""),
        )
    except ActionError as exc:
        return _action_error(request, exc)
    return JsonResponse({"id": asset.pk, "status": asset.status}, status=201)


@require_POST
@login_required
def upload_session(request: AuthedRequest, asset_id: str) -> HttpResponse:
    membership = require_membership(request, WRITE)
    asset = Asset.objects.for_org(membership.organization).filter(pk=asset_id).first()
    if asset is None:
        return envelope_response(request, 404, "not_found", "No such Asset in this Organization.")
    try:
        target = actions.create_upload_session(asset)
    except ActionError as exc:
        return _action_error(request, exc)
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
def upload_finalize(request: AuthedRequest, asset_id: str) -> HttpResponse:
    """Inspect the uploaded bytes; answer with the ready card's HTML."""
    membership = require_membership(request, WRITE)
    asset = Asset.objects.for_org(membership.organization).filter(pk=asset_id).first()
    if asset is None:
        return envelope_response(request, 404, "not_found", "No such Asset in this Organization.")
    try:
        asset = actions.finalize_asset(asset)
    except ActionError as exc:
        return _action_error(request, exc)
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
