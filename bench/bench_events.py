"""Events and Journeys: the rate of events.track next to the `GET /api/v1/me` floor (same
server, same run) with 0 and with 50 active Journeys, events.batchTrack in events/s with
500-event batches, and the Journey engine's steps/s draining N due runs with two workers.
See bench/README.md.

    .venv/bin/python bench/bench_events.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
        [--duration 10] [--connections 16] [--runs 100000] [--only track|batch|engine]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_emails import SETUP, print_results, wrk  # noqa: E402 - the sending benchmark's setup
from bench_me import (  # noqa: E402 - the floor benchmark's machinery, reused
    ROOT,
    Result,
    create_keys,
    free_port,
    gunicorn,
    manage,
    source_revision,
    throwaway_database,
    with_cpu_shares,
)

# 50 active Journeys listening for other events (with a wait_for_event step awaiting the
# tracked name in half of them), then one more that the tracked event starts a run of (which
# waits a day: the engine has nothing to do meanwhile).
JOURNEYS = """
from apps.accounts.models import Organization
from apps.events.journeys import save_journey
org = Organization.objects.get()
for n in range(50):
    wait = ([{"type": "wait_for_event", "event": "order.completed", "timeout": "P1D"}]
            if n % 2 else [])
    save_journey(org, {"name": f"Other {n}", "status": "active",
                       "trigger": {"event": f"other.event.{n}"},
                       "steps": wait + [{"type": "wait", "duration": "P1D"}]})
print("ok")
"""

MATCHING = """
from apps.accounts.models import Organization
from apps.events.journeys import save_journey
org = Organization.objects.get()
where = [{"path": "event.properties.total", "op": "gte", "value": 10}]
save_journey(org, {"name": "Follow-up", "status": "active",
                   "trigger": {"event": "order.completed", "where": where},
                   "steps": [{"type": "wait", "duration": "P1D"}]})
print("ok")
"""

# N due runs of a send-then-wait Journey spread over 1,000 Profiles, inserted directly.
RUNS = """
import json
from django.utils import timezone
from apps.accounts.models import Organization
from apps.events.journeys import save_journey
from apps.events.models import JourneyRun
from apps.profiles.models import Profile
from apps.profiles.actions import save_new_profiles
args = json.loads({spec!r})
org = Organization.objects.get()
journey = save_journey(org, {{"name": "Engine bench", "status": "active",
    "trigger": {{"event": "bench.engine"}},
    "steps": [{{"type": "send_email", "template": args["template"],
                "from": "Bench <mail@bench.example>", "data": args["sample"]}},
              {{"type": "wait", "duration": "P1D"}}]}})
now = timezone.now()
profiles = list(save_new_profiles(org, [
    Profile(organization=org, email=f"engine{{i}}@sink.example", created_at=now, updated_at=now)
    for i in range(1000)]).values())
context = {{"id": "evt_bench", "name": "bench.engine", "properties": {{}},
           "occurredAt": now.isoformat()}}
for start in range(0, args["runs"], 5000):
    JourneyRun.objects.bulk_create([
        JourneyRun(organization=org, journey=journey, journey_version_id=journey.current_version_id,
                   profile=profiles[i % len(profiles)], event_context=context, status="active",
                   position=[0], due_at=now)
        for i in range(start, min(start + 5000, args["runs"]))])
print(JourneyRun.objects.filter(journey=journey, status="active").count())
"""

PROGRESS = """
import json
from django.db.models import Count
from apps.events.models import JourneyRun, JourneyStepRecord
print(json.dumps({"runs": dict(JourneyRun.objects.filter(journey__name="Engine bench")
                               .values_list("status").annotate(n=Count("id"))),
                  "steps": JourneyStepRecord.objects.filter(journey__name="Engine bench").count()}))
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
    # Keep-alive connections stick to one gunicorn worker: 4 keep both workers busy.
    parser.add_argument("--batch-connections", type=int, default=4)
    parser.add_argument("--runs", type=int, default=100_000, help="due runs for the engine")
    parser.add_argument("--engine-workers", type=int, default=2)
    parser.add_argument("--only", choices=["track", "batch", "engine"], default=None)
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--reuse-port", action="store_true")
    return parser.parse_args()


def measure(server: Any, port: int, key: str, args: argparse.Namespace, label: str,
            method: str, path: str, body: dict[str, Any] | None = None,
            connections: int | None = None) -> Result:  # fmt: skip
    print(f"Measuring {label} for {args.duration} s …", flush=True)
    return with_cpu_shares(
        server.pid,
        lambda: wrk(port, key, label, args, method, path, body, connections=connections),
    )


def track_phase(
    env: dict[str, str], args: argparse.Namespace, key: str, ids: dict[str, Any]
) -> None:
    track = {"name": "order.completed", "profileId": ids["profile"],
             "properties": {"orderId": "A-1001", "total": 84.5}}  # fmt: skip
    port = free_port()
    results = []
    with gunicorn(env, args, port, key) as server:
        wrk(port, key, "warm-up", args, "GET", "/api/v1/me", duration=args.warmup)
        wrk(port, key, "warm-up", args, "POST", "/api/v1/events", track, duration=args.warmup)
        results.append(
            measure(server, port, key, args, "GET /api/v1/me (floor)", "GET", "/api/v1/me")
        )
        results.append(measure(server, port, key, args, "POST /api/v1/events, 0 Journeys",
                               "POST", "/api/v1/events", track))  # fmt: skip
        manage(env, "shell", "-c", JOURNEYS)
        results.append(measure(server, port, key, args,
                               "POST /api/v1/events, 50 active Journeys (none triggered)",
                               "POST", "/api/v1/events", track))  # fmt: skip
        manage(env, "shell", "-c", MATCHING)
        results.append(measure(server, port, key, args,
                               "POST /api/v1/events, 51 Journeys, each event starts a run",
                               "POST", "/api/v1/events", track))  # fmt: skip
    print_results(results)
    floor = results[0].requests_per_second
    print(f"\nevents.track / floor: {results[1].requests_per_second / floor:.2f} with 0 Journeys, "
          f"{results[2].requests_per_second / floor:.2f} with 50, "
          f"{results[3].requests_per_second / floor:.2f} starting a run "
          "(target >= 0.6)")  # fmt: skip


def batch_phase(env: dict[str, str], args: argparse.Namespace, key: str) -> None:
    batch = {"events": [{"name": "page.viewed", "email": f"v{i}@sink.example",
                         "properties": {"path": f"/pricing/{i}", "n": i}}
                        for i in range(500)]}  # fmt: skip
    port = free_port()
    with gunicorn(env, args, port, key) as server:
        # The first batches create the 500 Profiles the events name.
        wrk(port, key, "warm-up", args, "POST", "/api/v1/events/batch", batch,
            duration=args.warmup, connections=1)  # fmt: skip
        label = f"POST /api/v1/events/batch, 500 events, {args.batch_connections} connections"
        result = measure(server, port, key, args, label,
                         "POST", "/api/v1/events/batch", batch, args.batch_connections)  # fmt: skip
    print_results([result])
    print(f"\nevents.batchTrack: {result.requests_per_second * 500:,.0f} events/s "
          "(target >= 10,000)")  # fmt: skip


def engine_phase(env: dict[str, str], args: argparse.Namespace, ids: dict[str, Any]) -> None:
    spec = json.dumps({**ids, "runs": args.runs})
    print(f"\nInserting {args.runs:,} due runs …", flush=True)
    due = int(manage(env, "shell", "-c", RUNS.format(spec=spec)))
    run_env = {**env, "EMAIL_URL": "smtp://127.0.0.1:9"}  # queued sends are not delivered here
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_journeys", "--once", "--verbosity", "0"],
            cwd=ROOT,
            env=run_env,
        )  # fmt: skip
        for _ in range(args.engine_workers)
    ]
    for worker in workers:
        worker.wait()
    seconds = time.monotonic() - started
    progress = json.loads(manage(env, "shell", "-c", PROGRESS))
    steps, runs = progress["steps"], progress["runs"]
    print("\n| engine workers | due runs | steps | runs now waiting | seconds (with start-up) "
          "| steps/s | runs/s |\n|---|---|---|---|---|---|---|")  # fmt: skip
    waiting = runs.get("waiting", 0)
    print(f"| {args.engine_workers} | {due:,} | {steps:,} | {waiting:,} | "
          f"{seconds:.1f} | {steps / seconds:,.0f} | {waiting / seconds:,.0f} |")  # fmt: skip


def main() -> None:
    args = parse_args()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"# bench_events.py {source_revision()} on {platform.node()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {database}")  # fmt: skip
    with throwaway_database(args.database_url) as env:
        env["EMAIL_URL"] = "smtp://127.0.0.1:9"  # nothing is delivered in this benchmark
        keys = create_keys(env)
        key = next(iter(keys.values()))
        ids = json.loads(manage(env, "shell", "-c", SETUP))
        if args.only in (None, "track"):
            track_phase(env, args, key, ids)
        if args.only in (None, "batch"):
            batch_phase(env, args, key)
        if args.only in (None, "engine"):
            engine_phase(env, args, ids)


if __name__ == "__main__":
    main()
