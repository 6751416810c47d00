"""Sending: the accept rate of emails.send and of a 100-item emails.batchSend next to the
`GET /api/v1/me` floor (same server, same run), delivery throughput to an SMTP sink (rendered
and DKIM-signed) with one and two delivery workers, and a crash test (SIGKILL a worker again
and again while 2,000 sends drain: lost, stuck in `sending`, delivered twice). See
bench/README.md.

    .venv/bin/python bench/bench_emails.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
        [--duration 10] [--connections 16] [--sends 4000] [--crash-sends 2000] [--kills 20]
        [--only accept|delivery|crash]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_me import (  # noqa: E402 - the floor benchmark's machinery, reused
    HOST,
    ROOT,
    STATUS_COUNTER_LUA,
    Result,
    create_keys,
    free_port,
    gunicorn,
    manage,
    parse_wrk,
    source_revision,
    throwaway_database,
    with_cpu_shares,
)

SETUP = """
import json
from apps.accounts.models import Organization
from apps.email_templates.actions import create_template
from apps.email_templates.starters import STARTERS_BY_KEY
from apps.profiles.actions import create_profile
from apps.sending.actions import create_domain
from apps.sending.models import SendingDomain
org = Organization.objects.get()
starter = STARTERS_BY_KEY["receipt"]
template = create_template(org, starter.template_data(), saved_by="bench")
domain = create_domain(org, "bench.example")
SendingDomain.objects.filter(pk=domain.pk).update(status="verified", spf_status="verified")
domain.dkim_keys.update(status="verified")
profile = create_profile(org, email="ada@example.com", first_name="Ada")
print(json.dumps({"template": template.pk, "profile": profile.pk, "sample": starter.sample_data}))
"""

# Queue N sends through the real batch action (checked and rendered as the API would).
ENQUEUE = """
import json
from apps.accounts.models import Organization
from apps.sending.email_actions import SendRequest, send_batch
from apps.sending.models import EmailSend
args = json.loads(open({path!r}).read())
org = Organization.objects.get()
EmailSend.objects.all().delete()
for start in range(0, args["n"], 100):
    send_batch(org, [
        SendRequest(template_id=args["template"], data=args["sample"],
                    to={{"email": f"r{{i}}@sink.example", "first_name": "R"}},
                    from_address="Bench <mail@bench.example>")
        for i in range(start, min(start + 100, args["n"]))
    ])
print(EmailSend.objects.filter(status="queued").count())
"""

COUNTS = """
import json
from django.db.models import Count
from apps.sending.models import EmailSend
print(json.dumps(dict(EmailSend.objects.values_list("status").annotate(n=Count("id")))))
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (omit for SQLite)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument(
        "--batch-connections",
        type=int,
        default=2,
        help="connections sending 100-item batches (each batch is ~100 sends of CPU)",
    )
    parser.add_argument("--sends", type=int, default=4000, help="sends per delivery run")
    parser.add_argument("--crash-sends", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--only", choices=["accept", "delivery", "crash"], default=None)
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--reuse-port", action="store_true")
    return parser.parse_args()


def wrk(port: int, key: str, label: str, args: argparse.Namespace, method: str, path: str,
        body: dict[str, Any] | None = None, duration: int | None = None,
        connections: int | None = None) -> Result:  # fmt: skip
    lua = STATUS_COUNTER_LUA
    if body is not None:
        lua = (
            f"wrk.method = {json.dumps(method)}\n"
            f"wrk.body = {json.dumps(json.dumps(body))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        ) + lua
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        done = subprocess.run(
            [
                "wrk", "--latency", "-t", str(args.wrk_threads),
                "-c", str(connections or args.connections),
                "-d", f"{duration or args.duration}s", "--timeout", "10s", "-s", script.name,
                "-H", f"x-api-key: {key}", f"http://{HOST}:{port}{path}",
            ],
            capture_output=True, text=True, check=True, timeout=(duration or args.duration) + 30,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    return parse_wrk(done.stdout, label)


def print_results(results: list[Result]) -> None:
    print(
        "\n| load | req/s | p50 ms | p99 ms | non-2xx | CPU % gunicorn / wrk / postgres / other |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        cpu = " / ".join(f"{c:.0f}" for c in r.cpu) if r.cpu else "-"
        print(
            f"| {r.key_label} | {r.requests_per_second:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.non_2xx} | {cpu} |"
        )


def send_body(ids: dict[str, Any]) -> dict[str, Any]:
    """The emails.send body measured: SETUP's Profile, the receipt starter, its sample data."""
    return {
        "profileId": ids["profile"],
        "templateId": ids["template"],
        "data": ids["sample"],
        "from": "Bench <mail@bench.example>",
    }


def accept_phase(
    env: dict[str, str], args: argparse.Namespace, key: str, ids: dict[str, Any]
) -> None:
    send = send_body(ids)
    batch = {"emails": [{**send, "profileId": None, "to": {"email": f"b{i}@sink.example"}}
                        for i in range(100)]}  # fmt: skip
    for item in batch["emails"]:
        del item["profileId"]
    port = free_port()
    results = []
    with gunicorn(env, args, port, key) as server:
        wrk(port, key, "warm-up", args, "GET", "/api/v1/me", duration=args.warmup)
        wrk(port, key, "warm-up", args, "POST", "/api/v1/emails", send, duration=args.warmup)
        # The first batches create the 100 Profiles their `to` addresses name.
        wrk(port, key, "warm-up", args, "POST", "/api/v1/emails/batch", batch,
            duration=args.warmup, connections=1)  # fmt: skip
        batch_label = f"POST /api/v1/emails/batch, 100 items, {args.batch_connections} connections"
        for label, method, path, body, connections in [
            ("GET /api/v1/me (floor)", "GET", "/api/v1/me", None, None),
            ("POST /api/v1/emails (emails.send)", "POST", "/api/v1/emails", send, None),
            (batch_label, "POST", "/api/v1/emails/batch", batch, args.batch_connections),
        ]:
            print(f"Measuring {label} for {args.duration} s …", flush=True)

            def run(label: str = label, method: str = method, path: str = path,
                    body: dict[str, Any] | None = body,
                    connections: int | None = connections) -> Result:  # fmt: skip
                return wrk(port, key, label, args, method, path, body, connections=connections)

            results.append(with_cpu_shares(server.pid, run))
    print_results(results)
    floor, single = results[0].requests_per_second, results[1].requests_per_second
    print(f"\nemails.send / floor: {single / floor:.2f} (target >= 0.4); "
          f"batch p99 {results[2].p99_ms:.0f} ms (target < 300), "
          f"{results[2].requests_per_second * 100:,.0f} emails/s accepted in batches")  # fmt: skip


def enqueue(env: dict[str, str], ids: dict[str, Any], n: int) -> int:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
        json.dump({**ids, "n": n}, spec)
    try:
        return int(manage(env, "shell", "-c", ENQUEUE.format(path=spec.name)))
    finally:
        os.unlink(spec.name)


def counts(env: dict[str, str]) -> dict[str, int]:
    return dict(json.loads(manage(env, "shell", "-c", COUNTS)))


class Sink:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.out = Path(env["SEGMENTFLOW_VAR_DIR"]) / f"sink-{self.port}.json"
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(self.port),
             "--out", str(self.out)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "ready"

    def stop(self) -> dict[str, int]:
        """Stop it; the count of messages by X-SegmentFlow-Send-Id (and `seconds`, from the
        first message received to the last)."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        received = json.loads(self.out.read_text())
        self.seconds = float(received["seconds"])
        return dict(received["by_send_id"])


def worker(env: dict[str, str], *, once: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "manage.py", "deliver_emails", "--verbosity", "0"]
    return subprocess.Popen(command + (["--once"] if once else []), cwd=ROOT, env=env)


def delivery_phase(env: dict[str, str], args: argparse.Namespace, ids: dict[str, Any]) -> None:
    print(
        "\n| delivery workers | emails | first to last message, s | emails/s "
        "| wall s (with start-up) |"
    )
    print("|---|---|---|---|---|")
    for workers in (1, 2):
        sink = Sink(env)
        run_env = {**env, "EMAIL_URL": f"smtp://{HOST}:{sink.port}"}
        queued = enqueue(run_env, ids, args.sends)
        started = time.monotonic()
        processes = [worker(run_env, once=True) for _ in range(workers)]
        for process in processes:
            process.wait()
        seconds = time.monotonic() - started
        received = sink.stop()
        sent = counts(run_env).get("sent", 0)
        assert sent == queued == sum(received.values()), (sent, queued, len(received))
        rate = sent / sink.seconds if sink.seconds else 0.0
        print(
            f"| {workers} | {sent} | {sink.seconds:.1f} | {rate:,.0f} | {seconds:.1f} |", flush=True
        )


def crash_phase(env: dict[str, str], args: argparse.Namespace, ids: dict[str, Any]) -> None:
    sink = Sink(env)
    lease = 5
    run_env = {**env, "EMAIL_URL": f"smtp://{HOST}:{sink.port}",
               "SEGMENTFLOW_DELIVERY_LEASE_SECONDS": str(lease)}  # fmt: skip
    queued = enqueue(run_env, ids, args.crash_sends)
    rng = random.Random(13)  # noqa: S311
    processes = [worker(run_env, once=False) for _ in range(2)]
    started = time.monotonic()
    for _ in range(args.kills):
        time.sleep(rng.uniform(0.05, 0.5))
        victim = rng.randrange(len(processes))
        processes[victim].send_signal(signal.SIGKILL)
        processes[victim].wait()
        processes[victim] = worker(run_env, once=False)
    # Drain: the leases of killed workers run out and the survivors take their sends.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = counts(run_env)
        if not state.get("queued") and not state.get("sending") and not state.get("scheduled"):
            break
        time.sleep(1)
    seconds = time.monotonic() - started
    for process in processes:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    received = sink.stop()
    state = counts(run_env)
    delivered_twice = sum(1 for n in received.values() if n > 1)
    lost = queued - state.get("sent", 0) - state.get("failed", 0)
    print(f"\nCrash test: {queued} sends, {args.kills} SIGKILLs of 2 delivery workers "
          f"(lease {lease} s), drained in {seconds:.1f} s")  # fmt: skip
    print("| sent | failed | left in sending | lost | received | delivered twice (same Send-Id) |")
    print("|---|---|---|---|---|---|")
    print(f"| {state.get('sent', 0)} | {state.get('failed', 0)} | {state.get('sending', 0)} | "
          f"{lost} | {sum(received.values())} | {delivered_twice} |")  # fmt: skip


def main() -> None:
    args = parse_args()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"# bench_emails.py {source_revision()} on {platform.node()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {database}")  # fmt: skip
    with throwaway_database(args.database_url) as env:
        env["EMAIL_URL"] = f"smtp://{HOST}:9"  # the accept phase delivers nothing
        keys = create_keys(env)
        key = next(iter(keys.values()))
        ids = json.loads(manage(env, "shell", "-c", SETUP))
        if args.only in (None, "accept"):
            accept_phase(env, args, key, ids)
        if args.only in (None, "delivery"):
            delivery_phase(env, args, ids)
        if args.only in (None, "crash"):
            crash_phase(env, args, ids)


if __name__ == "__main__":
    main()
