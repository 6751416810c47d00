"""Where the time of one `GET /api/v1/me` goes: the WSGI handler in-process, under cProfile.
With `--track`, the same for one `POST /api/v1/events` (events.track of a known profileId;
`--journeys` adds bench_events.py's 50 active Journeys, half of them awaiting the event). With
`--send`, one `POST /api/v1/emails` (emails.send of bench_emails.py: a `profileId`, the
`receipt` starter, its sample data).

Uses the same throwaway database and keys as bench_me.py and calls Django's WSGIHandler
directly, so the per-request connection handling (request_started / request_finished) is the
one gunicorn sees. Prints the mean wall time per request without the profiler, then each
step's share of the profiled request, scaled to that unprofiled time.

    .venv/bin/python bench/profile_me.py [--requests 3000] [--database-url postgresql://…]
        [--track [--journeys] | --send]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections.abc import Callable, Iterable

from bench_me import BENCH_DB, HOST, ROOT, ROUTE, create_keys, throwaway_database

# (label, file path suffix, function name): cumulative time of each per request.
STEPS = [
    ("whole request (handler + response.close)", "bench/profile_me.py", "call"),
    ("  WSGIHandler.__call__", "django/core/handlers/wsgi.py", "__call__"),
    (
        "request_started/finished: close_old_connections",
        "django/db/__init__.py",
        "close_old_connections",
    ),
    ("  open a DB connection", "django/db/backends/base/base.py", "connect"),
    ("  close a DB connection", "django/db/backends/base/base.py", "close"),
    ("  health check (SELECT 1)", "django/db/backends/postgresql/base.py", "is_usable"),
    (
        "middleware + view (BaseHandler._get_response)",
        "django/core/handlers/base.py",
        "_get_response",
    ),
    ("ninja: PathView / Operation.run", "ninja/operation.py", "run"),
    ("  auth: find_api_key (SELECT key + org)", "apps/accounts/actions.py", "find_api_key"),
    ("    ORM: build + compile the SELECT (as_sql)", "django/db/models/sql/compiler.py", "as_sql"),
    ("    connection: cursor() (connects if needed)", "django/db/backends/base/base.py", "cursor"),
    ("    last_used_at UPDATE (once a minute)", "django/db/models/query.py", "update"),
    ("  rate limit: take_token (upsert)", "segmentflow/ratelimit.py", "take_token"),
    ("  view me_get", "apps/accounts/api.py", "me_get"),
    ("  ninja: _result_to_response (pydantic + JSON)", "ninja/operation.py", "_result_to_response"),
    ("all SQL: CursorWrapper._execute", "django/db/backends/utils.py", "_execute"),
    ("request id: new_request_id", "segmentflow/middleware.py", "new_request_id"),
]
TRACK_STEPS = [
    ("  view events_track", "apps/events/api.py", "events_track"),
    ("    track_event", "apps/events/actions.py", "track_event"),
    ("    the Profile SELECT", "apps/profiles/lookups.py", "profiles_by_id"),
    ("    the Journeys SELECT", "apps/events/actions.py", "_listening_or_awaiting"),
    ("    the UserEvent INSERT (autocommit)", "segmentflow/rows.py", "insert"),
    ("    _store (new Profile, runs: a transaction)", "apps/events/actions.py", "_store"),
    ("      waiting runs UPDATE", "apps/events/actions.py", "_resume_waiting"),
    ("      COMMIT", "django/db/backends/base/base.py", "commit"),
    ("  ninja: request body → EventTrackIn", "ninja/params/models.py", "resolve"),
]
SEND_STEPS = [
    ("  view emails_send", "apps/sending/api.py", "emails_send"),
    ("    send_email (in its transaction)", "apps/sending/email_actions.py", "send_email"),
    ("      recipient: the Profile SELECT", "apps/sending/email_actions.py", "_recipient"),
    ("      the Template and Brand Kit SELECT", "apps/email_templates/lookups.py",
     "template_and_kit"),
    ("      brand context", "apps/brand_kits/context.py", "brand_context"),
    ("      render_template (the merge data check)", "apps/email_templates/actions.py",
     "render_template"),
    ("      the From (verified domains SELECT)", "apps/sending/email_actions.py", "_sender"),
    ("      the EmailSend INSERT (autocommit)", "segmentflow/rows.py", "insert"),
    ("      prepare_send (checks, the unsaved EmailSend)", "apps/sending/email_actions.py",
     "prepare_send"),
    ("      status history entry", "apps/sending/models.py", "history_entry"),
    ("      COMMIT", "django/db/backends/base/base.py", "commit"),
    ("      wake the loop (after commit)", "apps/sending/tasks.py", "wake"),
    ("  ninja: request body → EmailSendIn", "ninja/params/models.py", "resolve"),
    ("  ninja: _result_to_response (pydantic + JSON)", "ninja/operation.py", "_result_to_response"),
]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per key and phase")
    parser.add_argument(
        "--database-url",
        default="",
        help=f"a PostgreSQL URL (creates and drops {BENCH_DB}); omit for SQLite",
    )
    parser.add_argument("--top", type=int, default=0, help="also print the N top functions")
    parser.add_argument("--track", action="store_true", help="POST /api/v1/events instead")
    parser.add_argument(
        "--journeys",
        action="store_true",
        help="with --track: first add bench_events.py's 50 active Journeys (25 await the name)",
    )
    parser.add_argument("--send", action="store_true", help="POST /api/v1/emails instead")
    args = parser.parse_args()
    if args.send and args.track:
        parser.error("--send and --track measure different routes: give one")
    return args


def make_caller(
    key: str, body: dict[str, object] | None = None, path: str = "/api/v1/events"
) -> Callable[[], int]:
    """A function that sends one GET /api/v1/me (or, given a body, one POST to `path`)
    through Django's WSGI handler."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.append(status)

    data = json.dumps(body).encode() if body is not None else b""

    def call() -> int:
        environ = {
            "REQUEST_METHOD": "GET" if body is None else "POST",
            "PATH_INFO": ROUTE if body is None else path,
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "QUERY_STRING": "",
            "SERVER_NAME": HOST,
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "HTTP_X_API_KEY": key,
            "REMOTE_ADDR": HOST,
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        response = handler(environ, start_response)
        b"".join(response)
        response.close()  # sends request_finished, as gunicorn does
        return int(statuses.pop().split()[0])

    return call


def mean_ms(call: Callable[[], int], n: int) -> tuple[float, int]:
    """Mean wall time of n calls, and how many of them were 429 rate_limited."""
    limited = 0
    started = time.perf_counter()
    for _ in range(n):
        status = call()
        assert status in (200, 202, 429), status
        limited += status == 429
    return (time.perf_counter() - started) * 1000 / n, limited


def steps_report(
    stats: pstats.Stats, n: int, unprofiled_ms: float, steps: list[tuple[str, str, str]]
) -> Iterable[str]:
    raw = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    rows = []
    for label, path, name in steps:
        cumulative = sum(
            entry[3]
            for (filename, _, function), entry in raw.items()
            if function == name and filename.replace(os.sep, "/").endswith(path)
        )
        if label.startswith("whole"):
            total = cumulative
        rows.append((label, cumulative))
    yield f"{'step':<50} {'share':>6} {'≈ ms/request':>13}"
    for label, cumulative in rows:
        share = cumulative / total if total else 0.0
        yield f"{label:<50} {share:>6.1%} {share * unprofiled_ms:>13.3f}"
    yield f"(profiled: {total * 1000 / n:.3f} ms/request; unprofiled: {unprofiled_ms:.3f})"


def main() -> None:
    args = parse_args()
    backend = "postgresql" if args.database_url else "sqlite"
    with throwaway_database(args.database_url) as env:
        keys = create_keys(env)
        body = None
        path = "/api/v1/events"
        if args.send:
            from bench_emails import SETUP, send_body
            from bench_me import manage

            ids = json.loads(manage(env, "shell", "-c", SETUP).splitlines()[-1])
            body, path = send_body(ids), "/api/v1/emails"
        elif args.track:
            from bench_emails import SETUP
            from bench_me import manage

            ids = json.loads(manage(env, "shell", "-c", SETUP).splitlines()[-1])
            body = {"name": "order.completed", "profileId": ids["profile"],
                    "properties": {"orderId": "A-1001", "total": 84.5}}  # fmt: skip
            if args.journeys:
                from bench_events import JOURNEYS

                manage(env, "shell", "-c", JOURNEYS)
        os.environ.update(env)
        os.chdir(ROOT)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        for label, key in keys.items():
            call = make_caller(key, body, path)
            mean_ms(call, 200)  # warm-up: imports, URL resolver, ninja schemas
            unprofiled, limited = mean_ms(call, args.requests)
            profiler = cProfile.Profile()
            profiler.enable()
            _, limited_profiled = mean_ms(call, args.requests)
            profiler.disable()
            stats = pstats.Stats(profiler)
            print(f"\n{backend} · {label} · {args.requests} requests, one thread")
            print(
                f"unprofiled: {unprofiled:.3f} ms/request = {1000 / unprofiled:.0f} req/s"
                f" (429s: {limited} unprofiled, {limited_profiled} profiled)"
            )
            steps = STEPS + (TRACK_STEPS if args.track else SEND_STEPS if args.send else [])
            print("\n".join(steps_report(stats, args.requests, unprofiled, steps)))
            if args.top:
                stats.sort_stats("tottime").print_stats(args.top)
        from django.db import connections

        connections.close_all()  # before the database is dropped


if __name__ == "__main__":
    main()
