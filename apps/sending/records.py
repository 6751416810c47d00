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


def _plain(term: str) -> str:
    """A term compared without case or its default `+` qualifier (`+include:x` is `include:x`)."""
    return term.lower().removeprefix("+")


def _is_all(term: str) -> bool:
    return _plain(term).lstrip("-~?") == "all"


def merge_spf(found: list[str]) -> str:
    """The one SPF record that keeps what the domain's records (one, or several by mistake) let
    send: their mechanisms in order, without repeats, and the first record's ending."""
    if not found:
        return ""
    terms: list[str] = []
    ending: list[str] = []
    for index, record in enumerate(found):
        for term in record.split()[1:]:
            if _is_all(term) or term.lower().startswith("redirect="):
                if index == 0 and not ending:
                    ending = [term]
            elif _plain(term) not in (_plain(t) for t in terms):
                terms.append(term)
    return " ".join(["v=spf1", *terms, *ending])


def spf_to_publish(found: str) -> str:
    """The one SPF record the domain should have: the required mechanism merged into the record
    it publishes (a domain may have only one), ending in ~all where it let anyone send."""
    mechanism = required_spf_mechanism()
    terms = found.split() if found else []
    if not terms:
        return f"v=spf1 {mechanism} ~all" if mechanism else "v=spf1 mx ~all"
    terms = ["~all" if _plain(term) in _PERMISSIVE_ALL else term for term in terms]
    if not mechanism or _plain(mechanism) in (_plain(term) for term in terms):
        return " ".join(terms)
    # Before the `all` or `redirect=` that ends the evaluation.
    at = next(
        (
            index
            for index, term in enumerate(terms)
            if _is_all(term) or term.lower().startswith("redirect=")
        ),
        len(terms),
    )
    return " ".join([*terms[:at], mechanism, *terms[at:]])


def spf_records(answer: TxtAnswer) -> list[str]:
    return [record.strip() for record in answer.records if _SPF_START.match(record.strip())]


def _unanswered(what: str, answer: TxtAnswer) -> Finding:
    return Finding(
        CheckStatus.TEMPORARY_FAILURE, f"{what} could not be checked: {answer.temporary}."
    )


def check_spf(answer: TxtAnswer, domain: str) -> Finding:
    if answer.temporary:
        return _unanswered("SPF", answer)
    found = spf_records(answer)
    if not found:
        return Finding(CheckStatus.PENDING, f"No SPF record at {domain} yet.")
    if len(found) > 1:
        return Finding(
            CheckStatus.FAILED,
            f"{domain} publishes {len(found)} SPF records ({' | '.join(found)}); a domain may "
            "have only one, or receivers treat SPF as broken: replace them with the one record "
            "shown here, which keeps what they allow.",
        )
    record = found[0]
    written = record.split()[1:]
    terms = [_plain(term) for term in written]
    mechanism = required_spf_mechanism()
    if mechanism and _plain(mechanism) not in terms:
        return Finding(
            CheckStatus.FAILED,
            f"The SPF record lacks {mechanism}: found “{record}”, publish "
            f"“{spf_to_publish(record)}” instead.",
        )
    permissive = next((term for term in written if _plain(term) in _PERMISSIVE_ALL), None)
    if permissive:
        return Finding(
            CheckStatus.FAILED,
            f"The SPF record has {permissive}, which lets any server send as {domain}: "
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
        return _unanswered("DKIM", answer)
    # A DKIM key record is tag=value pairs with a p= tag (v=DKIM1 is optional, RFC 6376).
    found = [_tags(record) for record in answer.records]
    keys = [tags for tags in found if "p" in tags]
    if not keys:
        return Finding(CheckStatus.PENDING, f"No DKIM record at {name} yet.")
    if len(keys) > 1:
        return Finding(
            CheckStatus.FAILED,
            f"{name} publishes {len(keys)} DKIM records; keep only the one shown here.",
        )
    tags = keys[0]
    published = tags["p"]
    if tags.get("v", "DKIM1") != "DKIM1":
        return Finding(CheckStatus.FAILED, f"The DKIM record at {name} must start with v=DKIM1.")
    if tags.get("k", "rsa") != "rsa":
        return Finding(CheckStatus.FAILED, f"The DKIM record at {name} is not an RSA key (k=).")
    if "h" in tags and "sha256" not in tags["h"].lower().split(":"):
        return Finding(
            CheckStatus.FAILED,
            f"The DKIM record at {name} allows only h={tags['h']}: our signatures use sha256.",
        )
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
        return _unanswered("DMARC", answer)
    found = [record for record in answer.records if _DMARC_START.match(record.strip())]
    if not found:
        return Finding(
            CheckStatus.PENDING,
            f"No DMARC record at {name}: sending works without one, but Gmail and Yahoo "
            "require one from bulk senders. Publish the starter shown here, and add "
            "rua=mailto:… to receive the reports.",
        )
    if len(found) > 1:
        return Finding(
            CheckStatus.FAILED, f"{name} publishes {len(found)} DMARC records; keep only one."
        )
    policy = _tags(found[0]).get("p", "").lower()
    if policy not in {"none", "quarantine", "reject"}:
        return Finding(
            CheckStatus.FAILED,
            f"The DMARC record at {name} has no valid policy (p=none, quarantine or reject): "
            f"found “{_abbreviate(found[0], 200)}”.",
        )
    return Finding(CheckStatus.VERIFIED)


def _abbreviate(text: str, keep: int = 24) -> str:
    return text if len(text) <= keep else f"{text[: keep // 2]}…{text[-(keep // 3) :]}"


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

    @property
    def zone_file_value(self) -> str:
        return zone_file_value(self.value)


def _current_keys(domain: SendingDomain) -> tuple[DkimKey | None, list[DkimKey]]:
    """(the key the DKIM record asks for, the older keys still published), newest first."""
    newest: dict[str, DkimKey] = {}
    retiring: list[DkimKey] = []
    for key in sorted(domain.dkim_keys.all(), key=lambda k: (k.created_at, k.pk), reverse=True):
        newest.setdefault(key.state, key)
        if key.state == DkimKeyState.RETIRING:
            retiring.append(key)
    pending, active = newest.get(DkimKeyState.PENDING), newest.get(DkimKeyState.ACTIVE)
    if pending is not None:
        return pending, [key for key in (active, *retiring) if key is not None]
    return active, retiring


def dkim_summary(domain: SendingDomain) -> dict[str, object]:
    """`dkim` of the API: the selector to publish now, and the one signing (during a rotation)
    or being retired (after it)."""
    current, older = _current_keys(domain)
    return {
        "selector": current.selector if current else None,
        "algorithm": "rsa-sha256",
        "key_bits": current.key_bits if current else KEY_BITS,
        "previous_selector": older[0].selector if older else None,
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
    current, older = _current_keys(domain)
    for key in (current, *older):
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


def zone_file_value(value: str) -> str:
    """The value as a zone file writes it: quoted strings of at most 255 characters (RFC 1035);
    web consoles split long values themselves."""
    return " ".join(f'"{part}"' for part in txt_strings(value))


def txt_strings(value: str) -> list[str]:
    """A TXT value split into strings of at most 255 characters, as DNS needs (RFC 1035); most
    DNS hosts split long values by themselves, some want them quoted like this."""
    return [value[start : start + 255] for start in range(0, len(value), 255)]
