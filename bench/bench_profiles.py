"""profiles.list and lookups at one million Profiles in one Organization.

Seeds N Profiles through a fast bulk path (COPY on PostgreSQL, batched executemany on SQLite;
not the API), then times, in process through the whole Django + ninja stack with a real API
key, p50/p95 of: the first page of `GET /api/v1/profiles`, a deep page reached by cursor, the
first and a deep page filtered by `subscriptionStatus`, a lookup by email (`?email=`) and a
`GET /api/v1/profiles/{id}`. Prints a table and, with --explain, each query's plan.

    .venv/bin/python bench/bench_profiles.py [--profiles 1000000] [--runs 200]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--explain]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "segmentflow_bench_profiles"
BATCH = 20_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200, help="timed requests per case")
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL server URL (default: SQLite)"
    )
    parser.add_argument("--explain", action="store_true", help="print each list query's plan")
    return parser.parse_args()


def prepare_environment(args: argparse.Namespace) -> Callable[[], None]:
    """Point Django at a throwaway database; return the clean-up."""
    os.environ.update({"DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "testserver"})
    if not args.database_url:
        var_dir = tempfile.TemporaryDirectory(prefix="sf-bench-profiles-")
        os.environ["SEGMENTFLOW_VAR_DIR"] = var_dir.name
        os.environ.pop("DATABASE_URL", None)
        return var_dir.cleanup
    import psycopg

    parts = urlsplit(args.database_url)
    admin_url = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    os.environ["SEGMENTFLOW_VAR_DIR"] = tempfile.mkdtemp(prefix="sf-bench-profiles-")

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")

    return drop


def profile_rows(org_id: str, count: int) -> Iterator[tuple[Any, ...]]:
    """Rows oldest first over the past year; 80 % subscribed, a third with an externalId."""
    from segmentflow.ids import new_public_id

    rng = random.Random(42)
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / count
    for i in range(count):
        created = start + step * i
        status = "subscribed" if rng.random() < 0.8 else "unsubscribed"
        yield (
            new_public_id("prof"),
            org_id,
            f"user{i}@example.com",
            f"ext-{i}" if i % 3 == 0 else "",
            f"First{i}",
            f"Last{i}",
            "en",
            "",
            '{"plan": "pro", "seats": 3}',
            status,
            created,
            "import",
            "",
            created,
            created,
        )


COLUMNS = (
    "id, organization_id, email, external_id, first_name, last_name, locale, timezone, "
    "attributes, subscription_status, subscription_updated_at, subscription_source, "
    "suppressed_reason, created_at, updated_at"
)


def seed(org_id: str, count: int) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor, for COPY
            with raw.copy(f"COPY profiles_profile ({COLUMNS}) FROM STDIN") as copy:
                for row in profile_rows(org_id, count):
                    copy.write_row(row)
            cursor.execute("ANALYZE profiles_profile")
    else:
        placeholders = ", ".join(["%s"] * 15)
        sql = f"INSERT INTO profiles_profile ({COLUMNS}) VALUES ({placeholders})"  # noqa: S608
        rows = profile_rows(org_id, count)
        while True:
            batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
            if not batch:
                break
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def timed(client: Any, url: str, key: str, runs: int) -> tuple[float, float, float]:
    """(p50, p95, mean) in milliseconds of `runs` GETs after a short warm-up."""
    for _ in range(5):
        response = client.get(url, headers={"x-api-key": key})
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url, headers={"x-api-key": key})
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return (
        samples[len(samples) // 2],
        samples[int(len(samples) * 0.95) - 1],
        statistics.fmean(samples),
    )


def explain(queryset: Any) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return str(queryset.explain(analyze=True))
    return str(queryset.explain())


def main() -> None:
    args = parse_args()
    cleanup = prepare_environment(args)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segmentflow.settings")
    import django

    django.setup()
    try:
        run(args)
    finally:
        cleanup()


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from apps.accounts.actions import create_api_key
    from apps.accounts.models import Organization
    from apps.profiles.models import Profile
    from segmentflow.pagination import encode_cursor

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Bench", slug="bench")
    _, key = create_api_key(org, name="bench", scopes=["all"], rate_limit=0)
    seconds = seed(org.id, args.profiles)
    print(f"database: {connection.vendor}; seeded {args.profiles:,} Profiles in {seconds:.1f} s")

    profiles = Profile.objects.for_org(org).order_by("-created_at", "-pk")
    depth = int(args.profiles * 0.9)
    deep = encode_cursor(profiles[depth])
    unsubscribed = profiles.filter(subscription_status="unsubscribed")
    deep_filtered = encode_cursor(unsubscribed[int(unsubscribed.count() * 0.9)])
    someone = profiles[args.profiles // 2]

    cases = [
        ("first page (limit 20)", "/api/v1/profiles"),
        (f"deep page via cursor (~{depth:,} rows in)", f"/api/v1/profiles?after={deep}"),
        (
            "first page, subscriptionStatus=unsubscribed",
            "/api/v1/profiles?subscriptionStatus=unsubscribed",
        ),
        (
            "deep page, subscriptionStatus=unsubscribed",
            f"/api/v1/profiles?subscriptionStatus=unsubscribed&after={deep_filtered}",
        ),
        ("first page, limit 100", "/api/v1/profiles?limit=100"),
        ("lookup by email (?email=)", f"/api/v1/profiles?email={someone.email}"),
        ("get by id", f"/api/v1/profiles/{someone.id}"),
    ]
    client = Client()
    print(f"{'case':52} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for label, url in cases:
        p50, p95, mean = timed(client, url, key, args.runs)
        print(f"{label:52} {p50:8.2f} {p95:8.2f} {mean:8.2f}")

    if args.explain:
        from segmentflow.pagination import older_than_cursor

        deep_qs = older_than_cursor(profiles, deep)[:21]
        for label, qs in [
            ("first page", profiles[:21]),
            ("deep page", deep_qs),
            ("filtered", unsubscribed[:21]),
            ("email", Profile.objects.for_org(org).filter(email=someone.email)[:21]),
        ]:
            print(f"\n-- plan: {label}\n{explain(qs)}")


if __name__ == "__main__":
    main()
