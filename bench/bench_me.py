"""Framework floor: requests/s and p50/p99 latency of `GET /api/v1/me` under gunicorn.

Builds a throwaway database (SQLite under a temporary SEGMENTFLOW_VAR_DIR, or a fresh
PostgreSQL database `segmentflow_bench` when --database-url points at PostgreSQL), creates an
Organization and two API keys with the management commands, serves the project with gunicorn
on 127.0.0.1, loads it with wrk (or a small Python load generator when wrk is absent), prints
a table and cleans everything up. See bench/README.md.

    .venv/bin/python bench/bench_me.py [--duration 10] [--connections 16] [--workers 2]
        [--threads 8] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"  # load only ever goes to the loopback interface
ROUTE = "/api/v1/me"
BENCH_DB = "segmentflow_bench"
DEFAULT_RATE, DEFAULT_BURST = 1000, 2000  # settings.SEGMENTFLOW_RATE_LIMIT / _BURST defaults

# wrk counts responses per status in each thread; done() prints the totals as "status CODE N".
STATUS_COUNTER_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      io.write(string.format("status %d %d\\n", status, n))
    end
  end
end
"""
TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class Result:
    """One load run against one key."""

    key_label: str
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    # CPU used during the run, in % of one CPU: gunicorn, the load generator, PostgreSQL and
    # everything else.
    cpu: tuple[float, float, float, float] | None = None
    worker_cpu: list[float] = field(default_factory=list)  # each gunicorn worker, busiest first


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before measuring")
    parser.add_argument(
        "--connections", type=int, default=16, help="concurrent keep-alive connections"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (they share the CPUs)"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL URL whose server and credentials are used to create and drop "
        f"the database {BENCH_DB}; omit for a temporary SQLite file",
    )
    parser.add_argument(
        "--load-generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto: wrk when installed, else the built-in Python generator",
    )
    parser.add_argument(
        "--limited-rate",
        type=int,
        default=None,
        help="requests/s of the rate-limited key (default: the server's, 1000/s burst 2000)",
    )
    parser.add_argument(
        "--access-log", action="store_true", help="let gunicorn write an access log"
    )
    parser.add_argument(
        "--reuse-port",
        action="store_true",
        help="gunicorn --reuse-port: a listening socket per worker; the kernel spreads connections",
    )
    args = parser.parse_args()
    if args.database_url and urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error(
            "--database-url must be a postgres:// or postgresql:// URL (omit it for SQLite)"
        )
    if min(args.duration, args.connections, args.workers, args.threads, args.wrk_threads) < 1:
        parser.error("--duration, --connections, --workers, --threads, --wrk-threads must be >= 1")
    if args.limited_rate is not None and args.limited_rate < 1:
        parser.error("--limited-rate must be >= 1 (the other key is the unlimited one)")
    if args.wrk_threads > args.connections:
        parser.error("--wrk-threads cannot exceed --connections")
    return args


@contextmanager
def throwaway_database(database_url: str) -> Iterator[dict[str, str]]:
    """Yield the environment of a server using a fresh database; drop it all afterwards."""
    var_dir = Path(tempfile.mkdtemp(prefix="segmentflow-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMENTFLOW_RATE_")}
    env.update(
        DJANGO_SETTINGS_MODULE="segmentflow.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
        SEGMENTFLOW_VAR_DIR=str(var_dir),
        DATABASE_URL="",  # SQLite at $SEGMENTFLOW_VAR_DIR/db.sqlite3
    )
    admin_url = ""
    try:
        if database_url:
            parts = urlsplit(database_url)
            admin_url = parts._replace(path="/postgres").geturl()
            _postgres_admin(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            _postgres_admin(admin_url, f"CREATE DATABASE {BENCH_DB}")
            env["DATABASE_URL"] = parts._replace(path=f"/{BENCH_DB}").geturl()
        yield env
    finally:
        if admin_url:
            _postgres_admin(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        shutil.rmtree(var_dir, ignore_errors=True)


def _postgres_admin(admin_url: str, statement: str) -> None:
    import psycopg  # only needed for PostgreSQL runs

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]  # fixed identifiers only


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command; return the last line it printed on stdout."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        raise RuntimeError(f"manage.py {args[0]} failed:\n{tail}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def create_keys(env: dict[str, str], limited_rate: int | None = None) -> dict[str, str]:
    """Collect static files, migrate, create an Organization and two keys; return {label: key}.

    The limited key gets `limited_rate` requests/s, or the server's default when None.
    """
    # DEBUG off serves static files from the hashed manifest, as a deployment does.
    manage(env, "collectstatic", "--noinput")
    manage(env, "migrate", "--noinput")
    password = secrets.token_urlsafe(16)
    slug = manage(env, "create_org", "--name", "Bench", "--owner-email", "bench@example.com",
                  "--password", password)  # fmt: skip
    new_key = ("create_api_key", "--org", slug, "--scopes", "all", "--name")
    unlimited = manage(env, *new_key, "bench unlimited", "--rate-limit", "0")
    if limited_rate is None:
        limited = manage(env, *new_key, "bench default limit")
        limited_label = f"default limit ({DEFAULT_RATE}/s, burst {DEFAULT_BURST})"
    else:
        limited = manage(env, *new_key, "bench limited", "--rate-limit", str(limited_rate))
        limited_label = f"--rate-limit {limited_rate} (burst {2 * limited_rate})"
    return {"unlimited (--rate-limit 0)": unlimited, limited_label: limited}


def busy_cpu_percent(seconds: float = 1.0) -> float | None:
    """Share of all CPUs busy over `seconds` (Linux /proc/stat): other load skews the figures."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values[:8]) - idle, sum(values[:8])

    try:
        busy_before, total_before = sample()
        time.sleep(seconds)
        busy_after, total_after = sample()
    except (OSError, ValueError, IndexError):
        return None
    elapsed = total_after - total_before
    return 100.0 * (busy_after - busy_before) / elapsed if elapsed else None


def _process_ticks(pid: str) -> int:
    """utime + stime of a process in clock ticks; 0 once it has exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _postgres_pids() -> list[str]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().startswith(f"{stat.parent.name} (postgres)"):
                pids.append(stat.parent.name)
        except OSError:
            continue
    return pids


@dataclass
class CpuSnapshot:
    """Clock ticks (CPU seconds for the generator) used so far by each party of a run."""

    machine: int  # every CPU, all but idle and iowait
    gunicorn: dict[str, int]  # per process: the master and each worker
    generator: float  # this process and its waited-for children (wrk)
    postgres: dict[str, int]  # per backend process

    @classmethod
    def take(cls, server_pid: int) -> CpuSnapshot:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
        own = resource.getrusage(resource.RUSAGE_SELF)
        waited = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(
            machine=sum(values) - values[3] - values[4],
            gunicorn={pid: _process_ticks(pid) for pid in [str(server_pid), *children]},
            generator=own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime,
            postgres={pid: _process_ticks(pid) for pid in _postgres_pids()},
        )


def with_cpu_shares(server_pid: int, run: Callable[[], Result]) -> Result:
    """Run a load; note the CPU that gunicorn (per worker), wrk, PostgreSQL and the rest used."""
    try:
        before = CpuSnapshot.take(server_pid)
    except (OSError, ValueError, IndexError):
        return run()  # not Linux: no /proc
    started = time.monotonic()
    result = run()
    after = CpuSnapshot.take(server_pid)
    hz = os.sysconf("SC_CLK_TCK")
    ticks = hz * (time.monotonic() - started) / 100  # ticks in 1 % of one CPU
    per_process = {
        pid: (after.gunicorn[pid] - before.gunicorn.get(pid, 0)) / ticks for pid in after.gunicorn
    }
    server = sum(per_process.values())
    generator = (after.generator - before.generator) * hz / ticks
    # Backends that ended during the run drop out; those that started count from zero.
    postgres = sum(t - before.postgres.get(pid, 0) for pid, t in after.postgres.items()) / ticks
    others = max(0.0, (after.machine - before.machine) / ticks - server - generator - postgres)
    result.cpu = (server, generator, postgres, others)
    del per_process[str(server_pid)]  # the master only supervises
    result.worker_cpu = sorted(per_process.values(), reverse=True)
    return result


def source_revision() -> str:
    """The commit under test, `+dirty` with uncommitted changes; read-only git calls."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # never refresh the index
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    if head.returncode != 0:
        return "not a git checkout"
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--"], check=False, env=env
    ).returncode
    return head.stdout.strip() + ("+dirty" if dirty else "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(
    env: dict[str, str], args: argparse.Namespace, port: int, key: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Serve the project on HOST:port until the block ends; fail if it never answers."""
    log_path = Path(env["SEGMENTFLOW_VAR_DIR"]) / "gunicorn.log"
    command = [
        str(BIN / "gunicorn"), "segmentflow.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads),
        "--log-level", "warning", "--no-control-socket",
    ]  # fmt: skip
    if args.access_log:
        command += ["--access-logfile", str(log_path.with_name("access.log"))]
    if args.reuse_port:
        command.append("--reuse-port")
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_answering(server, port, key, log_path)
        yield server
    finally:
        server.terminate()  # SIGTERM: gunicorn's graceful stop of the master and its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_answering(server: subprocess.Popen[bytes], port: int, key: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", ROUTE, headers={"x-api-key": key})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
            raise RuntimeError(f"{ROUTE} answered {status}:\n{log.read_text()}")
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 30 s:\n{log.read_text()}")


def run_wrk(port: int, key: str, label: str, duration: int, args: argparse.Namespace) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(STATUS_COUNTER_LUA)
    try:
        done = subprocess.run(
            [
                "wrk", "--latency", "-t", str(args.wrk_threads), "-c", str(args.connections),
                "-d", f"{duration}s", "--timeout", "10s", "-s", script.name,
                "-H", f"x-api-key: {key}", f"http://{HOST}:{port}{ROUTE}",
            ],
            capture_output=True, text=True, check=True, timeout=duration + 30,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    return parse_wrk(done.stdout, label)


def parse_wrk(output: str, label: str) -> Result:
    """Read requests/s, p50, p99, non-2xx/3xx and the per-status counts out of `wrk --latency`."""

    def number(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"cannot find {pattern!r} in wrk output:\n{output}")
        return match

    def percentile_ms(p: int) -> float:
        value, unit = number(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m|h)\s*$").groups()
        return float(value) * TIME_UNITS_MS[unit]

    requests, seconds, unit = number(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)").groups()
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    statuses = Counter[int]()
    for code, n in re.findall(r"^status (\d+) (\d+)$", output, re.MULTILINE):
        statuses[int(code)] += int(n)
    return Result(
        key_label=label,
        requests=int(requests),
        seconds=float(seconds) * TIME_UNITS_MS[unit] / 1000,
        requests_per_second=float(number(r"Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=percentile_ms(50),
        p99_ms=percentile_ms(99),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        statuses=statuses,
    )


def run_python_load(port: int, key: str, label: str, duration: int, connections: int) -> Result:
    """Fallback generator: one keep-alive connection per thread. The GIL caps it well below wrk."""
    deadline = time.monotonic() + duration
    latencies: list[float] = []
    statuses = Counter[int]()
    errors = [0]
    lock = threading.Lock()

    def client() -> None:
        mine: list[float] = []
        seen = Counter[int]()
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", ROUTE, headers={"x-api-key": key})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                with lock:
                    errors[0] += 1
                continue
            mine.append((time.perf_counter() - started) * 1000)
            seen[response.status] += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[max(0, math.ceil(p / 100 * len(latencies)) - 1)] if latencies else 0.0

    return Result(
        key_label=label,
        requests=len(latencies),
        seconds=elapsed,
        requests_per_second=len(latencies) / elapsed,
        p50_ms=percentile(50),
        p99_ms=percentile(99),
        non_2xx=sum(n for code, n in statuses.items() if code >= 400),
        socket_errors=errors[0],
        statuses=statuses,
    )


def print_table(results: list[Result], header: str) -> None:
    columns = ("requests", "req/s", "p50 ms", "p99 ms", "non-2xx", "CPU % srv/gen/pg/other")
    widths = (9, 9, 9, 9, 9, 23)
    print(f"\n{header}")
    print(
        f"{'key':<36} "
        + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True))
        + f" {'per worker':>12}  statuses"
    )
    for r in results:
        statuses = " ".join(f"{code}:{n}" for code, n in sorted(r.statuses.items())) or "-"
        if r.socket_errors:
            statuses += f" socket-errors:{r.socket_errors}"
        cpu = "/".join(f"{share:.0f}" for share in r.cpu) if r.cpu else "-"
        workers = "+".join(f"{share:.0f}" for share in r.worker_cpu) or "-"
        print(
            f"{r.key_label:<36} {r.requests:>9} {r.requests_per_second:>9.1f} "
            f"{r.p50_ms:>9.2f} {r.p99_ms:>9.2f} {r.non_2xx:>9} {cpu:>23} {workers:>12}  {statuses}"
        )
    print(
        "CPU %: share of one CPU used during the run by gunicorn (srv, then per worker), the load"
        " generator (gen), PostgreSQL (pg) and everything else (other: a busy machine)."
    )
    for r in results:
        usable = 100 * min(len(r.worker_cpu), os.cpu_count() or 1)
        if r.cpu and r.worker_cpu and r.worker_cpu[0] >= 90 and r.cpu[0] < 0.8 * usable:
            why = (
                "some workers got no connection: keep-alive connections stay with the worker "
                "that accepted them (try --reuse-port; see bench/README.md)"
                if r.worker_cpu[-1] < 10
                else "the others wait on something other than CPU (database locks, I/O)"
            )
            print(f"note: {r.key_label}: one worker is saturated while the CPUs have room; {why}.")
        if r.statuses.get(429):
            print(
                f"note: {r.key_label}: {r.statuses[429]} responses were 429 rate_limited — "
                "throughput exceeded the per-key limit, as the contract says it should."
            )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # run the finally blocks: stop gunicorn, drop the database


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    use_wrk = args.load_generator == "wrk" or (
        args.load_generator == "auto" and shutil.which("wrk") is not None
    )
    if args.load_generator == "wrk" and shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk), or use --load-generator python")
    backend = "postgresql" if args.database_url else "sqlite"
    generator = (
        f"wrk -t{args.wrk_threads} -c{args.connections}"
        if use_wrk
        else f"python load generator, {args.connections} threads"
    )
    header = (
        f"GET {ROUTE} | {backend} | gunicorn --workers {args.workers} --threads {args.threads}"
        f"{' --reuse-port' if args.reuse_port else ''}{' + access log' if args.access_log else ''}"
        f" | {generator} | {args.duration} s per key"
        f" | {os.cpu_count()} CPUs | Python {platform.python_version()}"
        f" | source {source_revision()}"
    )

    def load(port: int, key: str, label: str, duration: int) -> Result:
        if use_wrk:
            return run_wrk(port, key, label, duration, args)
        return run_python_load(port, key, label, duration, args.connections)

    busy = busy_cpu_percent()
    if busy is not None:
        header += f" | CPUs {busy:.0f}% busy before start"
        if busy > 10:
            print(f"warning: the CPUs are {busy:.0f}% busy before the run; figures will be low")
    with throwaway_database(args.database_url) as env:
        print(f"Preparing the {backend} database …", flush=True)
        keys = create_keys(env, args.limited_rate)
        (unlimited_label, unlimited), (limited_label, limited) = keys.items()
        port = free_port()
        with gunicorn(env, args, port, unlimited) as server:
            print(f"gunicorn up on {HOST}:{port}; warming up {args.warmup} s …", flush=True)
            load(port, unlimited, "warm-up", args.warmup)
            results = []
            for label, key in ((unlimited_label, unlimited), (limited_label, limited)):
                print(f"Measuring {label} for {args.duration} s …", flush=True)
                run = functools.partial(load, port, key, label, args.duration)
                results.append(with_cpu_shares(server.pid, run))
    print_table(results, header)


if __name__ == "__main__":
    main()
