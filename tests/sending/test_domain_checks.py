"""Domain verification through a real DNS server (dnslib on 127.0.0.1): every status, each
record's problem in words, and the rules that protect a verified domain from a DNS hiccup."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from apps.sending import actions, records
from apps.sending.models import CheckStatus, DkimKeyState, SendingDomain

from .helpers import SPF_INCLUDE, DnsTestCase, fresh, record_of


class VerificationTests(DnsTestCase):
    def test_a_new_domain_is_not_started_and_lists_what_to_publish(self) -> None:
        domain = self.add_domain("Example.COM.")
        self.assertEqual(domain.domain, "example.com")
        self.assertEqual(domain.status, CheckStatus.NOT_STARTED)
        spf, dkim, dmarc = records.published_records(domain)
        self.assertEqual((spf.name, spf.value), ("example.com", f"v=spf1 {SPF_INCLUDE} ~all"))
        key = domain.dkim_keys.get()
        self.assertRegex(key.selector, r"^sf\d{6}[0-9a-f]{4}$")
        self.assertEqual(dkim.name, f"{key.selector}._domainkey.example.com")
        self.assertEqual(dkim.value, f"v=DKIM1; k=rsa; p={key.public_key}")
        self.assertEqual((dmarc.name, dmarc.value), ("_dmarc.example.com", "v=DMARC1; p=none"))
        self.assertTrue(all(r.status == CheckStatus.NOT_STARTED for r in (spf, dkim, dmarc)))

    def test_nothing_published_is_pending_with_each_record_missing(self) -> None:
        domain = self.check(self.add_domain())
        self.assertEqual(domain.status, CheckStatus.PENDING)
        for purpose in ("spf", "dkim", "dmarc"):
            with self.subTest(purpose):
                record = record_of(domain, purpose)
                self.assertEqual(record.status, CheckStatus.PENDING)
                self.assertIn("No ", record.problem)
        self.assertIn("_dmarc.example.com", self.zone.queries)

    def test_spf_and_dkim_published_verify_the_domain_and_dmarc_stays_a_warning(self) -> None:
        domain = self.add_domain()
        self.publish(domain, skip=("dmarc",))
        domain = self.check(domain)
        self.assertEqual(domain.status, CheckStatus.VERIFIED)
        self.assertIsNotNone(domain.verified_at)
        dmarc = record_of(domain, "dmarc")
        self.assertEqual(dmarc.status, CheckStatus.PENDING)
        self.assertIn("Gmail and Yahoo", dmarc.problem)
        self.zone.set_txt("_dmarc.example.com", "v=DMARC1; p=quarantine; rua=mailto:d@example.com")
        self.assertEqual(record_of(self.check(domain), "dmarc").status, CheckStatus.VERIFIED)

    def test_the_dkim_record_verifies_when_the_server_returns_it_split(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        dkim = record_of(domain, "dkim")
        self.assertGreater(len(dkim.value), 255)
        # As a DNS host that cuts long values at other points than 255 would.
        cut = [dkim.value[:40], dkim.value[40:290], dkim.value[290:]]
        self.zone.set_txt(dkim.name, cut)
        domain = self.check(domain)
        self.assertEqual(record_of(domain, "dkim").status, CheckStatus.VERIFIED)
        self.assertEqual(domain.status, CheckStatus.VERIFIED)

    def test_a_dkim_key_that_is_not_ours_is_failed_with_both_keys_shown(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        dkim = record_of(domain, "dkim")
        other = self.add_domain("other.example")
        self.zone.set_txt(dkim.name, record_of(other, "dkim").value)
        record = record_of(self.check(domain), "dkim")
        self.assertEqual(record.status, CheckStatus.FAILED)
        self.assertIn("does not match ours", record.problem)
        self.assertIn("expected p=MIIB", record.problem)

    def test_two_spf_records_are_failed(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.zone.set_txt("example.com", f"v=spf1 {SPF_INCLUDE} ~all", "v=spf1 mx -all")
        domain = self.check(domain)
        spf = record_of(domain, "spf")
        self.assertEqual(spf.status, CheckStatus.FAILED)
        self.assertIn("publishes 2 SPF records", spf.problem)
        self.assertEqual(domain.status, CheckStatus.PENDING)

    def test_spf_without_the_required_mechanism_is_failed_and_the_merge_is_shown(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.zone.set_txt("example.com", "v=spf1 mx include:_spf.google.com -all", "google-x=1")
        domain = self.check(domain)
        spf = record_of(domain, "spf")
        self.assertEqual(spf.status, CheckStatus.FAILED)
        merged = f"v=spf1 mx include:_spf.google.com {SPF_INCLUDE} -all"
        self.assertIn(f"lacks {SPF_INCLUDE}", spf.problem)
        self.assertIn(merged, spf.problem)
        # The record to publish is the merged one: a domain may have only one SPF record.
        self.assertEqual(spf.value, merged)
        self.zone.set_txt("example.com", merged)
        self.assertEqual(self.check(domain).status, CheckStatus.VERIFIED)

    @override_settings(SEGMENTFLOW_SPF_INCLUDE="")
    def test_without_a_required_mechanism_any_single_strict_spf_passes(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        for value, status in (
            ("v=spf1 ip4:192.0.2.1 -all", CheckStatus.VERIFIED),
            ("v=spf1 a mx ~all", CheckStatus.VERIFIED),
            ("v=spf1 +all", CheckStatus.FAILED),
            ("v=spf1 mx ?all", CheckStatus.FAILED),
        ):
            with self.subTest(value):
                self.zone.set_txt("example.com", value)
                self.assertEqual(record_of(self.check(domain), "spf").status, status)

    def test_a_timeout_is_a_temporary_failure_and_keeps_a_verified_domain_verified(self) -> None:
        fresh_domain = self.add_domain("new.example")
        self.zone.misbehave["new.example"] = "silent"
        checked = self.check(fresh_domain)
        self.assertEqual(checked.status, CheckStatus.TEMPORARY_FAILURE)
        self.assertIn("timed out", record_of(checked, "spf").problem)

        domain = self.add_domain()
        self.publish(domain)
        self.assertEqual(self.check(domain).status, CheckStatus.VERIFIED)
        self.zone.misbehave["*"] = "silent"
        for _ in range(3):
            domain = self.check(domain)
            self.assertEqual(domain.status, CheckStatus.VERIFIED)
            self.assertEqual(record_of(domain, "spf").status, CheckStatus.TEMPORARY_FAILURE)

    def test_servfail_is_a_temporary_failure(self) -> None:
        domain = self.add_domain()
        self.zone.misbehave["*"] = "servfail"
        domain = self.check(domain)
        self.assertEqual(domain.status, CheckStatus.TEMPORARY_FAILURE)
        self.assertIn("SERVFAIL", record_of(domain, "dkim").problem)

    def test_a_verified_domain_fails_after_its_dkim_record_is_gone_twice_in_a_row(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.assertEqual(self.check(domain).status, CheckStatus.VERIFIED)
        self.zone.remove(record_of(domain, "dkim").name)  # NXDOMAIN from now on
        once = self.check(domain)
        self.assertEqual((once.status, once.consecutive_misses), (CheckStatus.VERIFIED, 1))
        twice = self.check(domain)
        self.assertEqual(twice.status, CheckStatus.FAILED)
        self.publish(domain)
        back = self.check(domain)
        self.assertEqual((back.status, back.consecutive_misses), (CheckStatus.VERIFIED, 0))

    def test_one_miss_between_good_checks_does_not_count_twice(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.check(domain)
        self.zone.set_txt("example.com", "v=spf1 mx ~all")  # wrong: lacks the mechanism
        self.assertEqual(self.check(domain).status, CheckStatus.VERIFIED)
        self.publish(domain)
        self.check(domain)
        self.zone.set_txt("example.com", "v=spf1 mx ~all")
        self.assertEqual(self.check(domain).status, CheckStatus.VERIFIED)

    def test_a_domain_still_not_right_after_72_hours_is_failed(self) -> None:
        domain = self.add_domain()
        SendingDomain.objects.filter(pk=domain.pk).update(
            created_at=timezone.now() - actions.PENDING_FOR - timedelta(minutes=1)
        )
        self.assertEqual(self.check(domain).status, CheckStatus.FAILED)


class RecheckTests(DnsTestCase):
    def test_the_worker_round_checks_due_domains_and_plans_the_next_check(self) -> None:
        pending = self.add_domain("pending.example")
        verified = self.add_domain("verified.example")
        self.publish(verified)
        not_due = self.add_domain("later.example")
        SendingDomain.objects.filter(pk=not_due.pk).update(
            next_check_at=timezone.now() + timedelta(hours=1)
        )
        self.assertEqual(actions.check_due_domains(), 2)
        pending, verified = fresh(pending), fresh(verified)
        self.assertEqual(fresh(not_due).status, CheckStatus.NOT_STARTED)
        self.assertEqual(pending.status, CheckStatus.PENDING)
        self.assertAlmostEqual(
            pending.next_check_at - pending.last_checked_at,  # type: ignore[operator]
            actions.RECHECK_PENDING,
            delta=timedelta(seconds=1),
        )
        self.assertEqual(verified.status, CheckStatus.VERIFIED)
        self.assertAlmostEqual(
            verified.next_check_at - verified.last_checked_at,  # type: ignore[operator]
            actions.RECHECK_SETTLED,
            delta=timedelta(seconds=1),
        )
        self.assertEqual(actions.check_due_domains(), 0)

    def test_the_periodic_task_checks_and_reschedules_itself(self) -> None:
        from django_tasks_db.models import DBTaskResult

        from apps.sending.tasks import check_sending_domains

        self.add_domain()
        self.assertEqual(check_sending_domains.call(), 1)
        waiting = DBTaskResult.objects.get(task_path=check_sending_domains.module_path)
        self.assertEqual(waiting.status, "READY")
        self.assertGreater(waiting.run_after, timezone.now())


class RotationTests(DnsTestCase):
    def test_a_rotation_signs_with_the_old_key_until_the_new_record_verifies(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.check(domain)
        old = domain.dkim_keys.get()
        domain = fresh(actions.rotate_dkim_key(domain))
        summary = records.dkim_summary(domain)
        new = domain.dkim_keys.get(state=DkimKeyState.PENDING)
        self.assertEqual(summary["selector"], new.selector)
        self.assertEqual(summary["previous_selector"], old.selector)
        self.assertNotEqual(new.selector, old.selector)
        self.assertEqual(domain.dkim_keys.get(state=DkimKeyState.ACTIVE), old)

        # Not published yet: the domain stays verified on the old key.
        domain = self.check(domain)
        self.assertEqual(domain.status, CheckStatus.VERIFIED)
        self.assertEqual(domain.dkim_keys.get(state=DkimKeyState.ACTIVE), old)
        rows = [r for r in records.published_records(domain) if r.purpose == "dkim"]
        self.assertEqual([r.selector for r in rows], [new.selector, old.selector])
        self.assertEqual(rows[0].status, CheckStatus.PENDING)

        self.publish(domain)
        domain = self.check(domain)
        self.assertEqual(domain.dkim_keys.get(state=DkimKeyState.ACTIVE), new)
        retiring = domain.dkim_keys.get(pk=old.pk)
        self.assertEqual(retiring.state, DkimKeyState.RETIRING)
        self.assertAlmostEqual(
            retiring.retire_after,  # type: ignore[arg-type]
            timezone.now() + actions.RETIRE_AFTER,
            delta=timedelta(minutes=1),
        )
        rows = [r for r in records.published_records(domain) if r.purpose == "dkim"]
        self.assertIn("keep it published until", rows[1].note)
        self.assertEqual(records.dkim_summary(domain)["selector"], new.selector)

        # After 7 days the old key is retired and its private key erased.
        domain.dkim_keys.filter(pk=old.pk).update(retire_after=timezone.now())
        domain = self.check(domain)
        retired = domain.dkim_keys.get(pk=old.pk)
        self.assertEqual((retired.state, retired.private_key), (DkimKeyState.RETIRED, ""))
        self.assertIsNone(records.dkim_summary(domain)["previous_selector"])


class SpfEdgeTests(DnsTestCase):
    def test_the_merge_keeps_the_record_valid(self) -> None:
        with override_settings(SEGMENTFLOW_SPF_INCLUDE="include:x.test"):
            for found, merged in (
                ("v=spf1 mx +all", "v=spf1 mx include:x.test ~all"),
                ("v=spf1 mx ?all", "v=spf1 mx include:x.test ~all"),
                ("v=spf1 +include:x.test -all", "v=spf1 +include:x.test -all"),
                ("v=spf1 INCLUDE:X.test ~all", "v=spf1 INCLUDE:X.test ~all"),
                (
                    "v=spf1 a redirect=_spf.example.com",
                    "v=spf1 a include:x.test redirect=_spf.example.com",
                ),
                ("v=spf1 a", "v=spf1 a include:x.test"),
            ):
                with self.subTest(found):
                    self.assertEqual(records.spf_to_publish(found), merged)

    def test_an_explicit_plus_qualifier_counts_as_the_mechanism(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.zone.set_txt("example.com", f"v=spf1 +{SPF_INCLUDE} -all")
        self.assertEqual(record_of(self.check(domain), "spf").status, CheckStatus.VERIFIED)

    def test_a_permissive_all_anywhere_fails(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.zone.set_txt("example.com", f"v=spf1 {SPF_INCLUDE} +all exp=explain.example.com")
        spf = record_of(self.check(domain), "spf")
        self.assertEqual(spf.status, CheckStatus.FAILED)
        self.assertIn("+all", spf.problem)

    def test_two_spf_records_show_one_merged_record_to_publish(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.zone.set_txt("example.com", "v=spf1 mx -all", "v=spf1 ip4:192.0.2.1 mx ~all")
        spf = record_of(self.check(domain), "spf")
        self.assertEqual(spf.value, f"v=spf1 mx ip4:192.0.2.1 {SPF_INCLUDE} -all")
        self.zone.set_txt("example.com", spf.value)
        self.assertEqual(self.check(domain).status, CheckStatus.VERIFIED)

    def test_a_long_spf_record_and_its_problem_are_stored_whole(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        long_record = "v=spf1 " + " ".join(f"ip4:192.0.2.{n}" for n in range(1, 120)) + " -all"
        self.zone.set_txt("example.com", long_record)
        spf = record_of(self.check(domain), "spf")
        self.assertGreater(len(spf.problem), 2000)
        self.assertIn(long_record, spf.problem)


class DkimEdgeTests(DnsTestCase):
    def test_whitespace_inside_p_is_ignored(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        dkim = record_of(domain, "dkim")
        key = domain.dkim_keys.get().public_key
        spaced = f"v=DKIM1; k=rsa; p={key[:100]} {key[100:200]}\t{key[200:]}"
        self.zone.set_txt(dkim.name, spaced)
        self.assertEqual(record_of(self.check(domain), "dkim").status, CheckStatus.VERIFIED)

    def test_a_record_that_refuses_sha256_fails(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        dkim = record_of(domain, "dkim")
        self.zone.set_txt(dkim.name, dkim.value.replace("k=rsa;", "k=rsa; h=sha1;"))
        record = record_of(self.check(domain), "dkim")
        self.assertEqual(record.status, CheckStatus.FAILED)
        self.assertIn("h=sha1", record.problem)

    def test_the_dashboard_value_for_zone_files_is_split_in_quoted_strings(self) -> None:
        dkim = record_of(self.add_domain(), "dkim")
        parts = records.txt_strings(dkim.value)
        self.assertTrue(all(len(part) <= 255 for part in parts))
        self.assertEqual("".join(parts), dkim.value)
        self.assertEqual(dkim.zone_file_value, " ".join(f'"{part}"' for part in parts))


class StatusRuleTests(DnsTestCase):
    def test_two_checks_that_overlap_count_one_miss(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.check(domain)
        self.zone.remove(record_of(domain, "dkim").name)
        started = timezone.now()
        first = self.check(domain)  # recorded after `started`
        self.assertEqual(first.consecutive_misses, 1)
        from apps.sending.resolver import lookup_txt

        spf = lookup_txt("example.com")
        dmarc = lookup_txt("_dmarc.example.com")
        dkim = {key.pk: lookup_txt(record_of(first, "dkim").name) for key in first.dkim_keys.all()}
        overlapping = actions.record_check(fresh(domain), spf, dmarc, dkim, started=started)
        self.assertEqual(overlapping.status, CheckStatus.VERIFIED)
        self.assertEqual(overlapping.consecutive_misses, 1)

    def test_a_domain_that_failed_stays_failed_until_it_verifies(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.check(domain)
        self.zone.remove(record_of(domain, "dkim").name)
        self.check(domain)
        self.assertEqual(self.check(domain).status, CheckStatus.FAILED)
        self.assertIsNone(fresh(domain).verified_at)
        self.assertEqual(self.check(domain).status, CheckStatus.FAILED)
        self.zone.misbehave["*"] = "servfail"
        self.assertEqual(self.check(domain).status, CheckStatus.FAILED)

    def test_a_new_domain_that_never_answers_fails_after_72_hours(self) -> None:
        domain = self.add_domain()
        self.zone.misbehave["*"] = "servfail"
        self.assertEqual(self.check(domain).status, CheckStatus.TEMPORARY_FAILURE)
        SendingDomain.objects.filter(pk=domain.pk).update(
            created_at=timezone.now() - actions.PENDING_FOR - timedelta(minutes=1)
        )
        self.assertEqual(self.check(domain).status, CheckStatus.FAILED)

    def test_a_pending_rotation_is_checked_again_soon_on_a_verified_domain(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        checked = self.check(domain)
        self.assertEqual(
            checked.next_check_at - checked.last_checked_at,  # type: ignore[operator]
            actions.RECHECK_SETTLED,
        )
        actions.rotate_dkim_key(domain)
        checked = self.check(domain)
        self.assertEqual(
            checked.next_check_at - checked.last_checked_at,  # type: ignore[operator]
            actions.RECHECK_PENDING,
        )

    def test_every_key_still_published_after_two_rotations_is_listed(self) -> None:
        domain = self.add_domain()
        self.publish(domain)
        self.check(domain)
        selectors = [domain.dkim_keys.get().selector]
        for _ in range(2):
            actions.rotate_dkim_key(domain)
            self.publish(domain)
            domain = self.check(domain)
            selectors.append(domain.dkim_keys.get(state=DkimKeyState.ACTIVE).selector)
        rows = [r.selector for r in records.published_records(domain) if r.purpose == "dkim"]
        self.assertEqual(rows, [selectors[2], selectors[1], selectors[0]])
        self.assertEqual(records.dkim_summary(domain)["previous_selector"], selectors[1])


class RoundTests(DnsTestCase):
    def test_two_rounds_at_once_check_each_due_domain_once(self) -> None:
        self.add_domain("a.example")
        self.add_domain("b.example")
        first = actions._claim_due(50)
        second = actions._claim_due(50)
        self.assertEqual(len(first), 2)
        self.assertEqual(second, [])

    def test_a_failing_domain_does_not_stop_the_round_or_the_next_one(self) -> None:
        from unittest import mock

        from django_tasks_db.models import DBTaskResult

        from apps.sending.tasks import check_sending_domains

        self.add_domain("a.example")
        self.add_domain("b.example")
        real = actions.check_domain
        calls: list[str] = []

        def flaky(domain: SendingDomain) -> SendingDomain:
            calls.append(domain.domain)
            if domain.domain == "a.example":
                raise RuntimeError("boom")
            return real(domain)

        with (
            mock.patch.object(actions, "check_domain", flaky),
            self.assertLogs("apps.sending.actions", "ERROR"),
        ):
            self.assertEqual(check_sending_domains.call(), 2)
        self.assertEqual(sorted(calls), ["a.example", "b.example"])
        self.assertEqual(SendingDomain.objects.get(domain="b.example").status, CheckStatus.PENDING)
        self.assertTrue(
            DBTaskResult.objects.filter(
                task_path=check_sending_domains.module_path, status="READY"
            ).exists()
        )
