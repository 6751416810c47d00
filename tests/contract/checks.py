"""schemathesis's data checks, held to what a JSON Schema can say about this API.

`positive_data_acceptance` fails a schema-valid request the server refuses, and
`negative_data_rejection` a schema-invalid one it takes. The OpenAPI document states every rule
of shape (types, enums, lengths, patterns, which fields may be null, which identifiers are
needed); the rules below are the ones no JSON Schema can state, because they depend on other
rows, on the clock, or on a standard too large for a pattern. A refusal is excused only when
its errorCode, or its message, is one of them: any other 422 on schema-valid data still fails.

Also a schemathesis hooks module: `SCHEMATHESIS_HOOKS=tests.contract.checks schemathesis run
URL --checks all --exclude-checks positive_data_acceptance,negative_data_rejection` (README →
API contract) runs the same checks from the command line.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from schemathesis.checks import CheckContext, negative_data_rejection, positive_data_acceptance
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case

# errorCodes whose very meaning is a rule beyond the request's shape.
SEMANTIC_ERROR_CODES = {
    "template_archived",  # the Template's state
    "template_render_failed",  # the merge data against the Template's Liquid
    "domain_not_verified",  # the sending domain's DNS
    "url_not_allowed",  # where the URL's host resolves (SSRF guard)
    "not_found",  # another object of the Organization
}
# validation_failed messages (the `fields[].message`) whose rule is beyond the shape, and why.
SEMANTIC_MESSAGES: list[tuple[str, str]] = [
    (r"not an IANA time zone", "the tz database (hundreds of names, per machine)"),
    (r"must be an http\(s\) URL", "Django's URLValidator: hosts, IDNA, ports"),
    (r"not a valid email address", "Django's email rules are stricter than `format: email`"),
    (r"is not a valid email address", "the address part of a From header"),
    (
        r"not a valid domain name|letters, digits and hyphens between dots|a domain with a dot"
        r"|localhost cannot send mail|an IP address cannot send mail|without a port"
        r"|without https://",
        "IDNA 2008 / UTS 46 on the name",
    ),
    (r"printable characters", "Unicode general categories (str.isprintable)"),
    (r"a font family name", "font family names"),
    (r"not a [A-Za-z ]+ of this Organization", "a reference to another object"),
    (
        r"names a different Profile|names has another (?:externalId|email)",
        "two identifiers must name the same Profile",
    ),
    (r"the Profile has no email address", "the referenced Profile's data"),
    (r"no From: give one", "the Brand Kit's sender"),
    (r"more than a day in the future|at most 30 days ahead", "the clock"),
    (r"must contain \{\{ unsubscribeUrl \}\}", "a marketing template's Liquid"),
    (r"must be at most \d+ bytes of JSON", "the serialized size of a free-form object"),
    (r"make another Brand Kit the default instead", "the Organization's other kits"),
]
_SEMANTIC = re.compile("|".join(f"(?:{pattern})" for pattern, _ in SEMANTIC_MESSAGES))
# Batches answer 202 with a per-item error for an item the schema refuses (api-contract.md:
# "each item stands alone"): that is how they reject it.
BATCH_OPERATIONS = {"POST /api/v1/emails/batch", "POST /api/v1/events/batch"}


def _error(response: Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def refused_by_a_rule_beyond_the_schema(response: Response) -> bool:
    error = _error(response)
    if error.get("errorCode") in SEMANTIC_ERROR_CODES:
        return True
    if error.get("errorCode") != "validation_failed":
        return False
    messages = [field.get("message", "") for field in error.get("fields") or []]
    return bool(messages) and all(_SEMANTIC.search(message) for message in messages)


def _item_errors(response: Response) -> bool:
    try:
        data = response.json().get("data", [])
    except (ValueError, AttributeError):
        return False
    return any(isinstance(item, dict) and "error" in item for item in data)


@schemathesis.check
def positive_data_acceptance_beyond_the_schema(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """positive_data_acceptance, excusing refusals by the rules above."""
    if response.status_code == 422 and refused_by_a_rule_beyond_the_schema(response):
        return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def negative_data_rejection_item_by_item(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """negative_data_rejection, where a batch rejects a bad item in its own answer, and 413
    (a size over the limit) is a rejection too."""
    if response.status_code == 413:
        return None
    if (
        case.operation.label in BATCH_OPERATIONS
        and response.status_code == 202
        and _item_errors(response)
    ):
        return None
    return negative_data_rejection(ctx, response, case)
