"""The DNS records a sending domain publishes, and what a lookup of each says about it.

Each `check_*` reads one lookup and answers a status and, unless it is right, a problem in
words (missing, the wrong value with both shown, two SPF records, a DKIM key not ours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from .keys import KEY_BITS
from .models import CheckStatus, DkimKey, DkimKeyState, SendingDomain
from .resolver import TxtAnswer

DKIM_RECORD_PREFIX = "v=DKIM1; k=rsa; p="
DMARC_STARTER = "v=DMARC1; p=none"
_SPF_START = re.compile(r"^v=spf1(\s|$)", re.IGNORECASE)
_DMARC_START = re.compile(r"^v=DMARC1\s*(;|$)", re.IGNORECASE)
# An SPF "all" that lets anyone send: +all (or a bare all), or ?all (neutral).
_PERMISSIVE_ALL = {"all", "+all", "?all"}


@dataclass(frozen=True)
class Finding:
    status: str
    problem: str = ""


def dkim_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"


def dmarc_name(domain: str) -> str:
    return f"_dmarc.{domain}"


def dkim_value(public_key: str) -> str:
    return f"{DKIM_RECORD_PREFIX}{public_key}"


def required_spf_mechanism() -> str:
    return str(settings.SEGMENTFLOW_SPF_INCLUDE).strip()


def spf_to_publish(found: str) -> str:
    """The one SPF record the domain should have: the required mechanism merged into the record
    it already publishes (a domain may have only one), or a new record."""
    mechanism = required_spf_mechanism()
    terms = found.split() if found else []
    if not terms:
        return f"v=spf1 {mechanism} ~all" if mechanism else "v=spf1 mx ~all"
    if not mechanism or mechanism.lower() in (term.lower() for term in terms):
        return " ".join(terms)
    # Before the final `all` or `redirect=`, which end the evaluation.
    at = next(
        (
            index
            for index, term in enumerate(terms)
            if term.lower().lstrip("+-~?") == "all" or term.lower().startswith("redirect=")
        ),
        len(terms),
    )
    return " ".join([*terms[:at], mechanism, *terms[at:]])


def spf_records(answer: TxtAnswer) -> list[str]:
    return [record.strip() for record in answer.records if _SPF_START.match(record.strip())]


def check_spf(answer: TxtAnswer, domain: str) -> Finding:
    if answer.temporary:
        return Finding(
            CheckStatus.TEMPORARY_FAILURE, f"SPF could not be checked: {answer.temporary}."
        )
    records = spf_records(answer)
    if not records:
        return Finding(CheckStatus.PENDING, f"No SPF record at {domain} yet.")
    if len(records) > 1:
        shown = " | ".join(records)
        return Finding(
            CheckStatus.FAILED,
            f"{domain} publishes {len(records)} SPF records ({shown}); a domain may have only "
            "one, or receivers treat SPF as broken: merge them into the record shown here.",
        )
    record = records[0]
    terms = [term.lower() for term in record.split()[1:]]
    mechanism = required_spf_mechanism()
    if mechanism and mechanism.lower() not in terms:
        return Finding(
            CheckStatus.FAILED,
            f"The SPF record lacks {mechanism}: found “{record}”, expected "
            f"“{spf_to_publish(record)}”.",
        )
    if terms and terms[-1] in _PERMISSIVE_ALL:
        return Finding(
            CheckStatus.FAILED,
            f"The SPF record ends in {terms[-1]}, which lets any server send as {domain}: "
            "end it with ~all or -all.",
        )
    return Finding(CheckStatus.VERIFIED)


def _tags(record: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in record.split(";"):
        name, equals, value = part.partition("=")
        if equals:
            tags[name.strip().lower()] = re.sub(r"\s+", "", value)
    return tags


def check_dkim(answer: TxtAnswer, name: str, public_key: str) -> Finding:
    if answer.temporary:
        return Finding(
            CheckStatus.TEMPORARY_FAILURE, f"DKIM could not be checked: {answer.temporary}."
        )
    records = [record for record in answer.records if "p=" in record.replace(" ", "")]
    if not records:
        return Finding(CheckStatus.PENDING, f"No DKIM record at {name} yet.")
    if len(records) > 1:
        return Finding(
            CheckStatus.FAILED,
            f"{name} publishes {len(records)} DKIM records; keep only the one shown here.",
        )
    tags = _tags(records[0])
    published = tags.get("p", "")
    if tags.get("k", "rsa") != "rsa":
        return Finding(CheckStatus.FAILED, f"The DKIM record at {name} is not an RSA key (k=).")
    if not published:
        return Finding(
            CheckStatus.FAILED, f"The DKIM record at {name} has an empty p= (a revoked key)."
        )
    if published != public_key:
        return Finding(
            CheckStatus.FAILED,
            f"The DKIM key published at {name} does not match ours: found "
            f"p={_abbreviate(published)}, expected p={_abbreviate(public_key)}.",
        )
    return Finding(CheckStatus.VERIFIED)


def check_dmarc(answer: TxtAnswer, domain: str) -> Finding:
    name = dmarc_name(domain)
    if answer.temporary:
        return Finding(
            CheckStatus.TEMPORARY_FAILURE, f"DMARC could not be checked: {answer.temporary}."
        )
    records = [record for record in answer.records if _DMARC_START.match(record.strip())]
    if not records:
        return Finding(
            CheckStatus.PENDING,
            f"No DMARC record at {name}: sending works without one, but Gmail and Yahoo "
            "require one from bulk senders. Publish the starter shown here, and add "
            "rua=mailto:… to receive the reports.",
        )
    if len(records) > 1:
        return Finding(
            CheckStatus.FAILED, f"{name} publishes {len(records)} DMARC records; keep only one."
        )
    policy = _tags(records[0]).get("p", "").lower()
    if policy not in {"none", "quarantine", "reject"}:
        return Finding(
            CheckStatus.FAILED,
            f"The DMARC record at {name} has no valid policy (p=none, quarantine or reject): "
            f"found “{records[0]}”.",
        )
    return Finding(CheckStatus.VERIFIED)


def _unanswered(what: str, answer: TxtAnswer) -> Finding:
    return Finding(
        CheckStatus.TEMPORARY_FAILURE, f"{what} could not be checked: {answer.temporary}."
    )


def _abbreviate(key: str) -> str:
    return key if len(key) <= 24 else f"{key[:12]}…{key[-8:]}"


# What to publish, record by record, as the API and the dashboard show it.


@dataclass(frozen=True)
class PublishedRecord:
    purpose: str  # spf, dkim, dmarc
    name: str  # fully qualified, no trailing dot
    value: str
    status: str
    problem: str
    type: str = "TXT"
    selector: str = ""  # for DKIM records
    note: str = ""  # e.g. "retire after 2026-12-10" for the key a rotation replaced

    @property
    def status_label(self) -> str:
        return str(CheckStatus(self.status).label)


def _current_keys(domain: SendingDomain) -> tuple[DkimKey | None, DkimKey | None]:
    """(the key the DKIM record asks for, the previous key still published), newest first."""
    by_state = {key.state: key for key in domain.dkim_keys.all()}
    pending = by_state.get(DkimKeyState.PENDING)
    active = by_state.get(DkimKeyState.ACTIVE)
    if pending is not None:
        return pending, active
    return active, by_state.get(DkimKeyState.RETIRING)


def dkim_summary(domain: SendingDomain) -> dict[str, object]:
    """`dkim` of the API: the selector to publish now, and the one signing (during a rotation)
    or being retired (after it)."""
    current, previous = _current_keys(domain)
    return {
        "selector": current.selector if current else None,
        "algorithm": "rsa-sha256",
        "key_bits": current.key_bits if current else KEY_BITS,
        "previous_selector": previous.selector if previous else None,
    }


def published_records(domain: SendingDomain) -> list[PublishedRecord]:
    found = [
        PublishedRecord(
            purpose="spf",
            name=domain.domain,
            value=spf_to_publish(domain.spf_found),
            status=domain.spf_status,
            problem=domain.spf_problem,
        )
    ]
    current, previous = _current_keys(domain)
    for key in (current, previous):
        if key is None:
            continue
        note = ""
        if key.state == DkimKeyState.RETIRING and key.retire_after:
            note = f"Replaced: keep it published until {key.retire_after:%Y-%m-%d}, then remove it."
        elif key.state == DkimKeyState.ACTIVE and current is not key:
            note = "Signs until the new key's record verifies."
        found.append(
            PublishedRecord(
                purpose="dkim",
                name=dkim_name(key.selector, domain.domain),
                value=dkim_value(key.public_key),
                status=key.status,
                problem=key.problem,
                selector=key.selector,
                note=note,
            )
        )
    found.append(
        PublishedRecord(
            purpose="dmarc",
            name=dmarc_name(domain.domain),
            value=DMARC_STARTER,
            status=domain.dmarc_status,
            problem=domain.dmarc_problem,
        )
    )
    return found


def txt_strings(value: str) -> list[str]:
    """A TXT value split into strings of at most 255 characters, as DNS needs (RFC 1035); most
    DNS hosts split long values by themselves, some want them quoted like this."""
    return [value[start : start + 255] for start in range(0, len(value), 255)]
