"""Request and response examples of the operations a backend calls first, shown by the
playground (/api/v1/docs) and in openapi.json. tests/contract/test_openapi_file.py validates
each against its operation's schemas, so an example cannot go stale."""

from __future__ import annotations

from typing import Any

AT = "2026-12-03T09:00:00.000Z"
PROFILE = {
    "id": "prof_01kbm8r4t0w7y3f5g2h6j9k1m0",
    "object": "profile",
    "email": "ada@example.com",
    "externalId": "user_42",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "locale": "en",
    "timezone": "Europe/London",
    "attributes": {"plan": "pro"},
    "subscription": {"status": "subscribed", "updatedAt": AT, "source": "api"},
    "suppressed": None,
    "createdAt": AT,
    "updatedAt": AT,
}

# What profiles.create takes of the Profile above.
PROFILE_FIELDS = (
    "email",
    "externalId",
    "firstName",
    "lastName",
    "locale",
    "timezone",
    "attributes",
)
EMAIL_SEND = {
    "id": "es_01kbm8r4t0w7y3f5g2h6j9k1m1",
    "object": "email_send",
    "profileId": PROFILE["id"],
    "templateId": "tmpl_01kbm8r4t0w7y3f5g2h6j9k1m2",
    "templateVersion": 3,
    "to": "ada@example.com",
    "from": "Acme <hello@acme.com>",
    "replyTo": None,
    "subject": "Your receipt for order A-1001",
    "status": "queued",
    "statusHistory": [{"status": "queued", "at": AT, "detail": "accepted"}],
    "sandbox": False,
    "test": False,
    "messageId": None,
    "tags": {"kind": "receipt"},
    "journeyId": None,
    "scheduledAt": None,
    "sentAt": None,
    "createdAt": AT,
    "updatedAt": AT,
}
SEND_REQUEST = {
    "templateId": EMAIL_SEND["templateId"],
    "to": {"email": "ada@example.com", "firstName": "Ada"},
    "data": {"orderId": "A-1001", "total": 84.5},
    "tags": {"kind": "receipt"},
}
USER_EVENT = {
    "id": "evt_01kbm8r4t0w7y3f5g2h6j9k1m3",
    "object": "user_event",
    "name": "order.completed",
    "profileId": PROFILE["id"],
    "properties": {"orderId": "A-1001", "total": 84.5},
    "occurredAt": AT,
    "receivedAt": AT,
    "createdAt": AT,
    "updatedAt": AT,
}

# operationId → (request body example or None, the success response's example)
EXAMPLES: dict[str, tuple[Any, Any]] = {
    "emails_send": (SEND_REQUEST, EMAIL_SEND),
    "emails_batchSend": (
        {"emails": [SEND_REQUEST, {"templateId": "tmpl_missing", "profileId": PROFILE["id"]}]},
        {
            "object": "list",
            "data": [
                {"index": 0, "emailSend": EMAIL_SEND},
                {
                    "index": 1,
                    "error": {
                        "errorCode": "not_found",
                        "message": "templateId: no such Template in this Organization",
                        "fields": [
                            {
                                "path": "templateId",
                                "message": "no such Template in this Organization",
                            }
                        ],
                    },
                },
            ],
        },
    ),
    "events_track": (
        {
            "name": "order.completed",
            "email": "ada@example.com",
            "properties": {"orderId": "A-1001", "total": 84.5},
            "occurredAt": AT,
        },
        {
            "event": USER_EVENT,
            "matchedJourneys": 1,
            "journeyIds": ["jrn_01kbm8r4t0w7y3f5g2h6j9k1m4"],
        },
    ),
    "profiles_create": ({key: PROFILE[key] for key in PROFILE_FIELDS}, PROFILE),
    "profiles_get": (None, PROFILE),
    "emails_get": (None, EMAIL_SEND),
}


def add_examples(document: dict[str, Any]) -> None:
    for item in document["paths"].values():
        for operation in item.values():
            example = EXAMPLES.get(operation.get("operationId", ""))
            if example is None:
                continue
            request, response = example
            if request is not None:
                operation["requestBody"]["content"]["application/json"]["example"] = request
            status = next(code for code in operation["responses"] if str(code).startswith("2"))
            operation["responses"][status]["content"]["application/json"]["example"] = response
