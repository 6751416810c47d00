"""The Python SDK against a live server: sends, events, lists across pages, the server's
errors as SegmentFlowError, and a write retried after a lost answer acting once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pytest_django.live_server_helper import LiveServer
from segmentflow_sdk import AsyncSegmentFlow, SegmentFlow, SegmentFlowError, models

from apps.accounts.models import Organization
from apps.profiles.models import Profile
from tests.contract.test_fuzz import make_template
from tests.factories import make_api_key, make_org
from tests.sdks.running import run_apart

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def org() -> Organization:
    return make_org("SDK")


@pytest.fixture
def client(live_server: LiveServer, org: Organization) -> Iterator[SegmentFlow]:
    _, secret = make_api_key(org, "all")
    with SegmentFlow(api_key=secret, base_url=live_server.url) as sdk:
        yield sdk


class DropFirstAnswer(httpx.BaseTransport):
    """Forwards every request to the server, but loses the first answer to a write, as a
    network that fails after the server acted would."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.keys: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method != "GET":
            self.keys.append(request.headers.get("idempotency-key"))
            if len(self.keys) == 1:
                response.read()
                raise httpx.ReadError("connection reset", request=request)
        return response


def test_a_send_and_an_event_through_the_sync_client(
    client: SegmentFlow, org: Organization
) -> None:
    template = make_template(org)
    sent = client.emails.send(
        template_id=template.pk,
        to={"email": "ada@example.com", "first_name": "Ada"},
        data={"order_id": "A-1"},
        tags={"kind": "receipt"},
    )
    assert isinstance(sent, models.EmailSendOut)
    assert (sent.status, sent.to, sent.tags) == ("queued", "ada@example.com", {"kind": "receipt"})
    assert client.emails.get(sent.id).id == sent.id
    assert Profile.objects.get(organization=org, email="ada@example.com").first_name == "Ada"

    tracked = client.events.track(
        name="order.completed", email="ada@example.com", properties={"order_id": "A-1"}
    )
    assert tracked.event.name == "order.completed"
    assert tracked.event.properties == {"order_id": "A-1"}
    assert tracked.matched_journeys == 0 and tracked.journey_ids == []

    batch = client.emails.batch_send(
        emails=[{"template_id": template.pk, "to": {"email": "bob@example.com"}}, {}]
    )
    assert [item.index for item in batch.data] == [0, 1]
    assert isinstance(batch.data[0], models.BatchAcceptedOut)
    assert isinstance(batch.data[1], models.BatchRefusedOut)
    assert batch.data[1].error.error_code == "validation_failed"


def test_a_list_is_its_first_page_and_iterates_every_item(client: SegmentFlow) -> None:
    for n in range(5):
        client.profiles.create(email=f"p{n}@example.com")
    page = client.profiles.list(limit=2)
    assert len(page.data) == 2 and page.has_more and page.next_cursor
    assert sorted(p.email for p in client.profiles.list(limit=2)) == [
        f"p{n}@example.com" for n in range(5)
    ]


def test_bad_input_is_the_servers_error_code(client: SegmentFlow) -> None:
    with pytest.raises(SegmentFlowError) as caught:
        client.profiles.create(email="not an address")
    error = caught.value
    assert (error.error_code, error.status) == ("validation_failed", 422)
    assert error.fields == [{"path": "email", "message": "not a valid email address"}]
    assert error.request_id and error.request_id.startswith("req_")

    with pytest.raises(SegmentFlowError) as missing:
        client.profiles.get("prof_" + "0" * 26)
    assert (missing.value.error_code, missing.value.status) == ("not_found", 404)


def test_a_key_without_the_scope_gets_insufficient_scope(
    live_server: LiveServer, org: Organization
) -> None:
    _, secret = make_api_key(org, ["profiles:read"])
    sdk = SegmentFlow(api_key=secret, base_url=live_server.url)
    with sdk, pytest.raises(SegmentFlowError) as caught:
        sdk.emails.send(template_id="tmpl_x", to={"email": "ada@example.com"})
    assert (caught.value.error_code, caught.value.status) == ("insufficient_scope", 403)


def test_a_write_retried_after_a_lost_answer_creates_one_object(
    live_server: LiveServer, org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("segmentflow_sdk._client.time.sleep", lambda seconds: None)
    _, secret = make_api_key(org, "all")
    transport = DropFirstAnswer()
    http = httpx.Client(transport=transport)
    with SegmentFlow(api_key=secret, base_url=live_server.url, http_client=http) as sdk:
        profile = sdk.profiles.create(email="once@example.com")
    assert len(transport.keys) == 2 and transport.keys[0] == transport.keys[1]
    assert transport.keys[0] and transport.keys[0].startswith("sdk-")
    assert list(Profile.objects.filter(organization=org).values_list("pk", flat=True)) == [
        profile.id
    ]


def test_an_idempotency_key_can_be_chosen(client: SegmentFlow, org: Organization) -> None:
    first = client.profiles.create(email="chosen@example.com", idempotency_key="signup-1")
    again = client.profiles.create(email="chosen@example.com", idempotency_key="signup-1")
    assert first.id == again.id
    assert Profile.objects.filter(organization=org).count() == 1


def test_retries_wait_as_retry_after_says_then_give_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # The client's own policy, on answers a server gives only under load (429, 503).
    waits: list[float] = []
    monkeypatch.setattr("segmentflow_sdk._client.time.sleep", waits.append)
    answers = iter([429, 503, 429])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        body = {"error": {"errorCode": "rate_limited", "message": "slow down", "requestId": "r"}}
        return httpx.Response(status, json=body, headers={"Retry-After": "3"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    sdk = SegmentFlow(api_key="k", base_url="http://sdk.test", http_client=http, max_retries=2)
    with pytest.raises(SegmentFlowError) as caught:
        sdk.me.get()
    assert waits == [3.0, 3.0]
    assert (caught.value.error_code, caught.value.status) == ("rate_limited", 429)


def test_the_async_client_sends_tracks_and_iterates(
    live_server: LiveServer, org: Organization
) -> None:
    template = make_template(org)
    _, secret = make_api_key(org, "all")

    async def scenario() -> dict[str, Any]:
        async with AsyncSegmentFlow(api_key=secret, base_url=live_server.url) as sdk:
            sent = await sdk.emails.send(template_id=template.pk, to={"email": "ada@example.com"})
            tracked = await sdk.events.track(name="signed_up", email="ada@example.com")
            for n in range(3):
                await sdk.profiles.create(email=f"a{n}@example.com")
            first = await sdk.profiles.list(limit=2)
            emails = [p.email async for p in sdk.profiles.list(limit=2)]
            try:
                await sdk.events.track(name="")
            except SegmentFlowError as exc:
                refused = exc
            return {
                "sent": sent,
                "tracked": tracked,
                "first": first,
                "emails": emails,
                "refused": refused,
            }

    result = run_apart(scenario)
    assert result["sent"].status == "queued"
    assert result["tracked"].event.name == "signed_up"
    assert len(result["first"].data) == 2 and result["first"].has_more
    assert sorted(result["emails"]) == sorted(
        ["ada@example.com", "a0@example.com", "a1@example.com", "a2@example.com"]
    )
    assert result["refused"].error_code == "validation_failed"


class AsyncDropFirstAnswer(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.keys: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "GET":
            self.keys.append(request.headers.get("idempotency-key"))
            if len(self.keys) == 1:
                await response.aread()
                raise httpx.ReadError("connection reset", request=request)
        return response


def test_the_async_client_retries_a_write_once_with_its_key(
    live_server: LiveServer, org: Organization
) -> None:
    _, secret = make_api_key(org, "all")
    transport = AsyncDropFirstAnswer()

    async def scenario() -> str:
        http = httpx.AsyncClient(transport=transport)
        async with AsyncSegmentFlow(
            api_key=secret, base_url=live_server.url, http_client=http
        ) as sdk:
            return (await sdk.profiles.create(email="async-once@example.com")).id

    profile_id = run_apart(scenario)
    assert len(transport.keys) == 2 and transport.keys[0] == transport.keys[1]
    assert list(Profile.objects.filter(organization=org).values_list("pk", flat=True)) == [
        profile_id
    ]
