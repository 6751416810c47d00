"""Writes on sending domains, shared by the API, the dashboard and the worker: add a domain with
its first DKIM key, check its DNS records, rotate the key, delete it."""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
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
# A claimed domain whose check never finished (a killed worker) is due again after this.
CLAIM_LEASE = timedelta(minutes=2)
logger = logging.getLogger(__name__)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# A name may have 253 characters; its DKIM record's name adds `<selector>._domainkey.`.
MAX_DOMAIN_LENGTH = 253 - len("sf202612abcd._domainkey.")


def clean_domain(value: object) -> str:
    """`Example.COM.` → `example.com`; `bücher.example` → `xn--bcher-kva.example`. Refuses IP
    addresses, single labels, localhost, URLs, ports and names too long for their DKIM record
    (253 characters in all)."""
    if not isinstance(value, str) or not value.strip():
        raise invalid("domain", "field required")
    name = value.strip().lower()
    if "://" in name or "/" in name or "@" in name or "?" in name:
        raise invalid("domain", "a domain name such as example.com, without https:// or a path")
    name = name.removesuffix(".")
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise invalid("domain", "an IP address cannot send mail: give a domain name")
    if re.search(r":\d*$", name):
        raise invalid("domain", "a domain name without a port, such as example.com")
    if len(name) > MAX_DOMAIN_LENGTH:
        raise invalid("domain", f"at most {MAX_DOMAIN_LENGTH} characters")
    try:
        name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise invalid("domain", f"not a valid domain name ({exc})") from None
    if len(name) > MAX_DOMAIN_LENGTH:
        raise invalid("domain", f"at most {MAX_DOMAIN_LENGTH} characters")
    labels = name.split(".")
    if len(labels) < 2:
        raise invalid("domain", "a domain with a dot, such as example.com (not a single label)")
    if labels[-1] == "localhost" or name == "localhost":
        raise invalid("domain", "localhost cannot send mail")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise invalid("domain", "letters, digits and hyphens between dots, such as example.com")
    return name


def _new_selector(domain_name: str, at: datetime) -> str:
    """`sf<yyyymm><4 random>`, unused by any key of this domain name (another Organization's
    too, and keys deleted with a domain cannot be known: hence the random part), so no
    receiver's cache can hold an old record under it."""
    taken = set(
        DkimKey.objects.filter(domain__domain=domain_name).values_list("selector", flat=True)
    )
    while True:
        selector = f"sf{at:%Y%m}{secrets.token_hex(2)}"
        if selector not in taken:
            return selector


def _new_key(domain: SendingDomain, state: str, pair: tuple[str, str]) -> DkimKey:
    now = timezone.now()
    private_key, public_key = pair
    return DkimKey.objects.create(
        domain=domain,
        selector=_new_selector(domain.domain, now),
        state=state,
        private_key=private_key,
        public_key=public_key,
        key_bits=keys.KEY_BITS,
        created_at=now,
        activated_at=now if state == DkimKeyState.ACTIVE else None,
    )


def create_domain(organization: Organization, domain: object) -> SendingDomain:
    name = clean_domain(domain)
    if SendingDomain.objects.for_org(organization).filter(domain=name).exists():
        raise ActionError("conflict", "domain", f"{name} is already a sending domain here")
    # RSA key generation takes ~0.1 s: done before the transaction takes its locks.
    pair = keys.generate_key_pair()
    with transaction.atomic():
        return _insert_domain(organization, name, pair)


def _insert_domain(organization: Organization, name: str, pair: tuple[str, str]) -> SendingDomain:
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
    _new_key(sending_domain, DkimKeyState.ACTIVE, pair)
    return sending_domain


def rotate_dkim_key(domain: SendingDomain) -> SendingDomain:
    """A new key and selector, shown to publish; the current key signs until the new record
    verifies. A rotation already waiting is replaced by this one."""
    pair = keys.generate_key_pair()
    with transaction.atomic():
        return _add_pending_key(domain, pair)


def _add_pending_key(domain: SendingDomain, pair: tuple[str, str]) -> SendingDomain:
    locked = SendingDomain.objects.select_for_update().get(pk=domain.pk)
    locked.dkim_keys.filter(state=DkimKeyState.PENDING).delete()
    _new_key(locked, DkimKeyState.PENDING, pair)
    locked.next_check_at = timezone.now()
    locked.updated_at = timezone.now()
    locked.save(update_fields=["next_check_at", "updated_at"])
    return locked


@transaction.atomic
def delete_domain(domain: SendingDomain) -> None:
    domain.delete()


def _keys_to_check(domain: SendingDomain) -> list[DkimKey]:
    # A retiring key's record no longer decides anything: it is not looked up.
    return [
        key
        for key in domain.dkim_keys.all()
        if key.state in (DkimKeyState.ACTIVE, DkimKeyState.PENDING)
    ]


def check_domain(domain: SendingDomain) -> SendingDomain:
    """Look the records up, all at once (a check takes one lookup's time, a few seconds at
    most), then record what they say. Callers should hold no transaction meanwhile."""
    started = timezone.now()
    resolver = make_resolver()
    names: dict[str | int, str] = {
        "spf": domain.domain,
        "dmarc": records.dmarc_name(domain.domain),
    }
    for key in _keys_to_check(domain):
        names[key.pk] = records.dkim_name(key.selector, domain.domain)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = {what: pool.submit(lookup_txt, name, resolver) for what, name in names.items()}
        answers = {what: future.result() for what, future in futures.items()}
    spf, dmarc = answers.pop("spf"), answers.pop("dmarc")
    dkim_answers = {int(pk): answer for pk, answer in answers.items()}
    return record_check(domain, spf, dmarc, dkim_answers, started=started)


@transaction.atomic
def record_check(
    domain: SendingDomain,
    spf_answer: TxtAnswer,
    dmarc_answer: TxtAnswer,
    dkim_answers: dict[int, TxtAnswer],
    *,
    started: datetime,
) -> SendingDomain:
    """Apply one check's lookups, made from `started` on: each record's status, then the
    domain's (see _next_status), and a finished DKIM rotation."""
    locked = SendingDomain.objects.select_for_update().filter(pk=domain.pk).first()
    if locked is None:
        return domain  # deleted while its records were being looked up
    now = timezone.now()
    # Another check recorded meanwhile saw the same DNS: its miss is not a second one.
    overlapped = locked.last_checked_at is not None and locked.last_checked_at > started
    spf = records.check_spf(spf_answer, locked.domain)
    dmarc = records.check_dmarc(dmarc_answer, locked.domain)
    if spf_answer.answered:
        locked.spf_found = records.merge_spf(records.spf_records(spf_answer))
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
    locked.status = _next_status(locked, spf.status, dkim_status, now, overlapped=overlapped)
    if locked.status == CheckStatus.VERIFIED and locked.verified_at is None:
        locked.verified_at = now
    elif locked.status == CheckStatus.FAILED:
        locked.verified_at = None
    locked.last_checked_at = locked.updated_at = now
    locked.next_check_at = now + _recheck_after(locked)
    locked.save()
    return locked


def _recheck_after(domain: SendingDomain) -> timedelta:
    rotating = domain.dkim_keys.filter(state=DkimKeyState.PENDING).exists()
    if domain.status in (CheckStatus.VERIFIED, CheckStatus.FAILED) and not rotating:
        return RECHECK_SETTLED
    # Not settled, or a rotation waits for its new record: soon again.
    return RECHECK_PENDING


def _next_status(
    domain: SendingDomain, spf: str, dkim: str, now: datetime, *, overlapped: bool
) -> str:
    was = domain.status
    if spf == CheckStatus.VERIFIED and dkim == CheckStatus.VERIFIED:
        domain.consecutive_misses = 0
        return CheckStatus.VERIFIED
    if CheckStatus.TEMPORARY_FAILURE in (spf, dkim):
        # No answer says nothing about the records: a verified domain stays verified, a failed
        # one failed; a new one is failed only once its 72 hours are over.
        if was in (CheckStatus.VERIFIED, CheckStatus.FAILED):
            return was
        return (
            CheckStatus.FAILED if _pending_too_long(domain, now) else CheckStatus.TEMPORARY_FAILURE
        )
    if was == CheckStatus.VERIFIED:
        if not overlapped:
            domain.consecutive_misses += 1
        if domain.consecutive_misses < MISSES_TO_FAIL:
            return CheckStatus.VERIFIED
        return CheckStatus.FAILED
    if was == CheckStatus.FAILED or _pending_too_long(domain, now):
        return CheckStatus.FAILED
    return CheckStatus.PENDING


def _pending_too_long(domain: SendingDomain, now: datetime) -> bool:
    return now - domain.created_at > PENDING_FOR


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


def _claim_due(limit: int) -> list[SendingDomain]:
    """Due domains this worker takes: each one's next check is moved on first, with a compare
    on its old value, so two workers (or two rounds) never check the same domain at once."""
    claimed = []
    lease = timezone.now() + CLAIM_LEASE
    for pk, due_at in SendingDomain.objects.due_for_check().values_list("pk", "next_check_at")[
        :limit
    ]:
        if SendingDomain.objects.filter(pk=pk, next_check_at=due_at).update(next_check_at=lease):
            claimed.append(pk)
    return list(SendingDomain.objects.filter(pk__in=claimed).prefetch_related("dkim_keys"))


def check_due_domains(limit: int = 50) -> int:
    """The worker's round: check the domains whose time has come; returns how many. One
    domain's failure is logged and does not stop the round (its claim expires, so it is
    tried again)."""
    due = _claim_due(limit)
    for domain in due:
        try:
            check_domain(domain)
        except Exception:
            logger.exception("checking the sending domain %s failed", domain.pk)
    return len(due)


def reencrypt_keys() -> tuple[int, int]:
    """Re-encrypt every stored private key under the current SECRET_KEY (after a rotation that
    moved the old one to SECRET_KEY_FALLBACKS); (re-encrypted, already current)."""
    changed = unchanged = 0
    for key in DkimKey.objects.exclude(private_key="").iterator():
        if keys.encrypted_with_current_key(key.private_key):
            unchanged += 1
            continue
        # Compared on the old value: a key retired (erased) meanwhile is not brought back.
        changed += DkimKey.objects.filter(pk=key.pk, private_key=key.private_key).update(
            private_key=keys.reencrypt(key.private_key)
        )
    return changed, unchanged
