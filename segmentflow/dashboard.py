"""What every dashboard view is made of: the current Membership checked for a scope, the list
page with its "Load more" links, the htmx fragment or full page, and an action's error on a
form. Apps import these; this module imports no app (types only, for the checker)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from . import values as json_values
from .errors import (
    ActionError,
    NotFound,
    api_error_response,
    envelope_response,
    invalid,
    to_api_error,
)
from .pagination import InvalidCursor, PageQuery, paginate
from .scopes import has_scope

if TYPE_CHECKING:
    from apps.accounts.models import Membership, Organization, User

PAGE_SIZE = 50


class AuthedRequest(HttpRequest):
    """HttpRequest as seen by dashboard views (for type hints)."""

    user: User | AnonymousUser  # type: ignore[assignment]
    membership: Membership | None
    organization: Organization | None
    htmx: HtmxDetails


def require_membership(request: HttpRequest, scope: str | None = None) -> Membership:
    """The user's Membership in the current Organization; 403 without one or without `scope`."""
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise PermissionDenied("You are not a member of any Organization.")
    if scope is not None and not has_scope(membership, scope):
        raise PermissionDenied(f"Your role ({membership.role}) does not allow {scope}.")
    return membership


def acting_user(request: AuthedRequest) -> User:
    """The signed-in user who performs a write (views behind login_required have one)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return user  # type: ignore[return-value]


def wants_fragment(request: AuthedRequest) -> bool:
    """An htmx request that swaps part of a page (not a boosted link, not a history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def redirect_after_write(request: AuthedRequest, url: str) -> HttpResponse:
    """After a write: htmx loads the next page in full, a plain post follows a redirect."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@dataclass(frozen=True)
class ListPage:
    """One page of a dashboard list and the links around it."""

    items: list[Any]
    has_more: bool
    next_url: str | None  # the same list (same search) after the last item
    first_url: str  # the same list from the newest item
    is_later_page: bool  # reached through "Load more"


def _list_url(request: HttpRequest, after: str | None) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    if after:
        query["after"] = after
    return f"{request.path}?{query.urlencode()}" if query else request.path


def list_page[M: Model](
    request: HttpRequest, queryset: QuerySet[M], *, size: int = PAGE_SIZE
) -> ListPage:
    """The page of `queryset` the request's `after` cursor asks for, newest first; a cursor
    that is not one of ours is a 400, like a hand-edited URL deserves."""
    after = request.GET.get("after", "")
    try:
        page = paginate(queryset, PageQuery(limit=size, after=after or None))
    except InvalidCursor as exc:
        raise BadRequest("malformed cursor") from exc
    return ListPage(
        items=page["data"],
        has_more=page["has_more"],
        next_url=_list_url(request, page["next_cursor"]) if page["has_more"] else None,
        first_url=_list_url(request, None),
        is_later_page=bool(after),
    )


def render_list(
    request: AuthedRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    rows: str = "rows",
    results: str | None = "results",
) -> HttpResponse:
    """A list page in full, or for htmx the fragment it swaps: the `rows` partial for "Load
    more" (a later page), the `results` partial for a new search (None: the full page)."""
    page: ListPage | None = context.get("page")
    if wants_fragment(request):
        if page is not None and page.is_later_page:
            template = f"{template}#{rows}"
        elif results is not None:
            template = f"{template}#{results}"
    return render(request, template, context)


def json_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A dashboard endpoint for the page's own script (e.g. the uploader): its errors are the
    API's envelope, so the script reads them as it reads the API's."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ActionError as error:
            return api_error_response(request, to_api_error(error))
        except NotFound as missing:
            return envelope_response(request, 404, "not_found", str(missing))

    return wrapper


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object body, under the API's rules (segmentflow.values)."""
    try:
        body = json_values.loads(request.body or b"{}")
    except json_values.JsonProblem as problem:
        raise invalid(problem.path or None, problem.message) from None
    if not isinstance(body, dict):
        raise invalid(None, "The body must be a JSON object.")
    return body


def add_action_error(
    form: forms.BaseForm, error: ActionError, field_names: Mapping[str, str] | None = None
) -> None:
    """Show an action's error under the form field it names, or above the form. The action's
    field (`first_name`, or `attributes.plan[0]` by its top-level name) is the form's unless
    `field_names` maps it to another one."""
    path = error.field or ""
    for name in (path, re.split(r"[.\[]", path, maxsplit=1)[0]):
        name = (field_names or {}).get(name, name)
        if name in form.fields:
            form.add_error(name, error.message)
            return
    form.add_error(None, error.message)


def focus_first_error(form: forms.BaseForm) -> None:
    """Put the cursor in the first field with an error instead of the first field."""
    invalid = [name for name in form.fields if name in form.errors]
    if invalid:
        for field in form.fields.values():
            field.widget.attrs.pop("autofocus", None)
        form.fields[invalid[0]].widget.attrs["autofocus"] = True
