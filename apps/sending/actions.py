"""Writes on sending domains, shared by the API, the dashboard and the worker: add a domain with
its first DKIM key, check its DNS records, rotate the key, delete it."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta

import idna
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Organization
from segmentflow.errors import ActionError, invalid

from . import keys, records
from .models import CheckStatus, DkimKey, DkimKeyState, SendingDomain
from .resolver import TxtAnswer, lookup_txt, make_resolver

# A domain whose records are not right keeps being re-checked this long before it is failed.
PENDING_FOR = timedelta(hours=72)
RECHECK_PENDING = timedelta(minutes=5)
RECHECK_SETTLED = timedelta(days=1)
# The old DKIM key stays published this long after the new one signs: mail in flight verifies.
RETIRE_AFTER = timedelta(days=7)
# Definite misses in a row that turn a verified domain failed.
MISSES_TO_FAIL = 2
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def clean_domain(value: object) -> str:
    """`Example.COM.` → `example.com`; `bücher.example` → `xn--bcher-kva.example`. Refuses IP
    addresses, single labels, localhost, URLs and names over 253 characters."""
    if not isinstance(value, str) or not value.strip():
        raise invalid("domain", "field required")
    name = value.strip().lower()
    if "://" in name or "/" in name or "@" in name or "?" in name:
        raise invalid("domain", "a domain name such as example.com, without https:// or a path")
    name = name.rstrip(".")
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise invalid("domain", "an IP address cannot send mail: give a domain name")
    if len(name) > 253:
        raise invalid("domain", "at most 253 characters")
    try:
        name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise invalid("domain", f"not a valid domain name ({exc})") from None
    if len(name) > 253:
        raise invalid("domain", "at most 253 characters")
    labels = name.split(".")
    if len(labels) < 2:
        raise invalid("domain", "a domain with a dot, such as example.com (not a single label)")
    if labels[-1] == "localhost" or name == "localhost":
        raise invalid("domain", "localhost cannot send mail")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise invalid("domain", "letters, digits and hyphens between dots, such as example.com")
    return name


def _new_selector(domain: SendingDomain, at: datetime) -> str:
    """`sf<yyyymm><n>`, unique among the domain's keys."""
    taken = set(domain.dkim_keys.values_list("selector", flat=True))
    n = 1
    while f"sf{at:%Y%m}{n}" in taken:
        n += 1
    return f"sf{at:%Y%m}{n}"


def _new_key(domain: SendingDomain, state: str) -> DkimKey:
    now = timezone.now()
    private_key, public_key = keys.generate_key_pair()
    return DkimKey.objects.create(
        domain=domain,
        selector=_new_selector(domain, now),
        state=state,
        private_key=private_key,
        public_key=public_key,
        key_bits=keys.KEY_BITS,
        created_at=now,
        activated_at=now if state == DkimKeyState.ACTIVE else None,
    )


@transaction.atomic
def create_domain(organization: Organization, domain: object) -> SendingDomain:
    name = clean_domain(domain)
    if SendingDomain.objects.for_org(organization).filter(domain=name).exists():
        raise ActionError("conflict", "domain", f"{name} is already a sending domain here")
    now = timezone.now()
    try:
        with transaction.atomic():
            sending_domain = SendingDomain.objects.create(
                organization=organization,
                domain=name,
                created_at=now,
                updated_at=now,
                # The worker takes a first look at once; the user may also press "Verify now".
                next_check_at=now,
            )
    except IntegrityError as exc:
        raise ActionError("conflict", "domain", f"{name} is already a sending domain here") from exc
    _new_key(sending_domain, DkimKeyState.ACTIVE)
    return sending_domain


@transaction.atomic
def rotate_dkim_key(domain: SendingDomain) -> SendingDomain:
    """A new key and selector, shown to publish; the current key signs until the new record
    verifies. A rotation already waiting is replaced by this one."""
    locked = SendingDomain.objects.select_for_update().get(pk=domain.pk)
    locked.dkim_keys.filter(state=DkimKeyState.PENDING).delete()
    _new_key(locked, DkimKeyState.PENDING)
    locked.next_check_at = timezone.now()
    locked.updated_at = timezone.now()
    locked.save(update_fields=["next_check_at", "updated_at"])
    return locked


@transaction.atomic
def delete_domain(domain: SendingDomain) -> None:
    domain.delete()


def _keys_to_check(domain: SendingDomain) -> list[DkimKey]:
    return [
        key
        for key in domain.dkim_keys.all()
        if key.state in (DkimKeyState.ACTIVE, DkimKeyState.PENDING, DkimKeyState.RETIRING)
    ]


def check_domain(domain: SendingDomain) -> SendingDomain:
    """Look the records up (no transaction held meanwhile) and record what they say."""
    resolver = make_resolver()
    spf = lookup_txt(domain.domain, resolver)
    dmarc = lookup_txt(records.dmarc_name(domain.domain), resolver)
    answers = {
        key.pk: lookup_txt(records.dkim_name(key.selector, domain.domain), resolver)
        for key in _keys_to_check(domain)
    }
    return record_check(domain, spf, dmarc, answers)


@transaction.atomic
def record_check(
    domain: SendingDomain,
    spf_answer: TxtAnswer,
    dmarc_answer: TxtAnswer,
    dkim_answers: dict[int, TxtAnswer],
) -> SendingDomain:
    """Apply one check's lookups: each record's status, then the domain's (see _next_status),
    and a finished DKIM rotation."""
    locked = SendingDomain.objects.select_for_update().get(pk=domain.pk)
    now = timezone.now()
    spf = records.check_spf(spf_answer, locked.domain)
    dmarc = records.check_dmarc(dmarc_answer, locked.domain)
    if spf_answer.answered:
        found = records.spf_records(spf_answer)
        locked.spf_found = found[0] if len(found) == 1 else ""
    locked.spf_status, locked.spf_problem = spf.status, spf.problem
    locked.dmarc_status, locked.dmarc_problem = dmarc.status, dmarc.problem
    signing: DkimKey | None = None
    for key in locked.dkim_keys.select_for_update():
        answer = dkim_answers.get(key.pk)
        if answer is None:
            continue
        finding = records.check_dkim(
            answer, records.dkim_name(key.selector, locked.domain), key.public_key
        )
        key.status, key.problem = finding.status, finding.problem
        key.save(update_fields=["status", "problem"])
        if key.state == DkimKeyState.ACTIVE:
            signing = key
    if signing is not None:
        _finish_rotation(locked, signing, now)
        signing = locked.dkim_keys.get(state=DkimKeyState.ACTIVE)
    _retire_old_keys(locked, now)
    dkim_status = signing.status if signing is not None else CheckStatus.FAILED
    locked.status = _next_status(locked, spf.status, dkim_status, now)
    if locked.status == CheckStatus.VERIFIED and locked.verified_at is None:
        locked.verified_at = now
    locked.last_checked_at = locked.updated_at = now
    settled = locked.status in (CheckStatus.VERIFIED, CheckStatus.FAILED)
    locked.next_check_at = now + (RECHECK_SETTLED if settled else RECHECK_PENDING)
    locked.save()
    return locked


def _next_status(domain: SendingDomain, spf: str, dkim: str, now: datetime) -> str:
    was_verified = domain.status == CheckStatus.VERIFIED
    if CheckStatus.TEMPORARY_FAILURE in (spf, dkim):
        # No answer says nothing about the records: a verified domain stays verified.
        return CheckStatus.VERIFIED if was_verified else CheckStatus.TEMPORARY_FAILURE
    if spf == CheckStatus.VERIFIED and dkim == CheckStatus.VERIFIED:
        domain.consecutive_misses = 0
        return CheckStatus.VERIFIED
    if was_verified:
        domain.consecutive_misses += 1
        if domain.consecutive_misses < MISSES_TO_FAIL:
            return CheckStatus.VERIFIED
        return CheckStatus.FAILED
    if now - domain.created_at > PENDING_FOR:
        return CheckStatus.FAILED
    return CheckStatus.PENDING


def _finish_rotation(domain: SendingDomain, signing: DkimKey, now: datetime) -> None:
    """Once the new key's record verifies, it signs; the old one is kept for RETIRE_AFTER."""
    pending = domain.dkim_keys.filter(state=DkimKeyState.PENDING).first()
    if pending is None or pending.status != CheckStatus.VERIFIED:
        return
    signing.state = DkimKeyState.RETIRING
    signing.retire_after = now + RETIRE_AFTER
    signing.save(update_fields=["state", "retire_after"])
    pending.state = DkimKeyState.ACTIVE
    pending.activated_at = now
    pending.save(update_fields=["state", "activated_at"])


def _retire_old_keys(domain: SendingDomain, now: datetime) -> None:
    domain.dkim_keys.filter(state=DkimKeyState.RETIRING, retire_after__lte=now).update(
        state=DkimKeyState.RETIRED, private_key=""
    )


def check_due_domains(limit: int = 50) -> int:
    """The worker's round: check the domains whose time has come; returns how many."""
    due = list(SendingDomain.objects.due_for_check().prefetch_related("dkim_keys")[:limit])
    for domain in due:
        check_domain(domain)
    return len(due)


def reencrypt_keys() -> tuple[int, int]:
    """Re-encrypt every stored private key under the current SECRET_KEY (after a rotation that
    moved the old one to SECRET_KEY_FALLBACKS); (re-encrypted, already current)."""
    changed = unchanged = 0
    for key in DkimKey.objects.exclude(private_key="").iterator():
        if keys.encrypted_with_current_key(key.private_key):
            unchanged += 1
            continue
        DkimKey.objects.filter(pk=key.pk).update(private_key=keys.reencrypt(key.private_key))
        changed += 1
    return changed, unchanged
