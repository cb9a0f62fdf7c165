"""`make bench`: build the benchmark database, serve it as production would, load
it with wrk, and write bench/results/latest.md. See bench/README.md.

    .venv/bin/python bench/run.py [--duration 20] [--reuse-database]

Steps: (re)create the PostgreSQL database medconsult_bench, migrate, collect
static files, load 100,000 doctors and 1,000,000 appointments (bench/load.py),
refresh every doctor's next free slot, VACUUM ANALYZE; roll up the analytics page's closed
days (manage.py rollup_analytics, as the periodic job does); write the request paths
(bench/queries.py); count SQL queries per request (bench/count_queries.py);
start gunicorn (2 sync workers, DEBUG off, persistent connections); weigh a
search page; run wrk against each endpoint at each concurrency; stop gunicorn.
The database is left in place for inspection (EXPLAIN ANALYZE); the next run
drops and recreates it.
"""

import argparse
import gzip
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
# Another name (BENCH_DB_NAME) lets two checkouts on one machine bench side by side.
DB_NAME = os.environ.get("BENCH_DB_NAME", "medconsult_bench")
# The shared cache, as in production: the poll answers from it (consultations.poll).
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
IST = timezone(timedelta(hours=5, minutes=30), "IST")

# name, what it is, headers
ENDPOINTS = [
    ("healthz", "/healthz (no database, no template: the baseline)", {}),
    ("home", "home page", {}),
    ("search_text", "search, text only (`?q=`)", {}),
    ("search_filtered", "search, text + city + specialty + available today", {}),
    ("search_3days", "search, text + city + specialty + available in 3 days", {}),
    ("landing", "landing page `/find/<city>/<specialty>/`", {}),
    ("doctor", "doctor page `/doctors/<slug>/`", {}),
    ("slots", "slot picker fragment (`HX-Request: true`)", {"HX-Request": "true"}),
    ("ready", "/healthz?db=1 (readiness: one `SELECT 1`, the one-query reference)", {}),
    ("poll_empty", "consultation poll, nothing new (204)", {"HX-Request": "true"}),
    ("poll_one", "consultation poll returning one message", {"HX-Request": "true"}),
    ("analytics", "admin analytics page, 30 and 90 days (staff session cookie)", {}),
]
# Signed in as a patient (bench/poll_paths.py writes the cookie).
POLL_ENDPOINTS = ("poll_empty", "poll_one")
TARGET_POLL_READY_SHARE, TARGET_POLL_HEALTHZ_SHARE, TARGET_POLL_P95_MS = 80, 50, 20
# Endpoints behind the staff login: bench/staff_session.py writes the session key.
STAFF_ENDPOINTS = ("analytics",)
SEARCH_ENDPOINTS = ("search_text", "search_filtered", "search_3days", "landing")
# The search page whose weight is measured: a typical query with a full page of results.
WEIGHED_PAGE = "/doctors/?q=dermatologist&city=mumbai"

TARGET_P95_MS = 50
TARGET_SHARE, STRETCH_SHARE = 10, 20
TARGET_HTML_KB, TARGET_TOTAL_KB = 60, 150

timings: dict[str, float] = {}


@contextmanager
def step(label):
    print(f"\n== {label}", flush=True)
    started = time.monotonic()
    yield
    timings[label] = time.monotonic() - started
    print(f"   ({timings[label]:.1f} s)", flush=True)


def bench_env(port: int, database_options: str) -> dict:
    """Production settings over plain http on this machine: DEBUG off, the https
    switches off (as the test suite does), no .env file read."""
    env = dict(os.environ)
    env.update(
        {
            "ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "medconsult.settings",
            "DATABASE_URL": f"{SERVER_URL}/{DB_NAME}"
            + (f"?{urlencode({'options': database_options}, quote_via=quote)}" if database_options else ""),
            "SECRET_KEY": f"bench-only-{secrets.token_urlsafe(40)}",
            "DEBUG": "off",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "off",
            "SESSION_COOKIE_SECURE": "off",
            "CSRF_COOKIE_SECURE": "off",
            "SECURE_HSTS_SECONDS": "0",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "off",
            "SECURE_HSTS_PRELOAD": "off",
            "SECURE_PROXY_SSL_HEADER": "off",
            "LOG_LEVEL": "WARNING",
            # No Razorpay account here: the offline gateway, allowed explicitly.
            "PAYMENT_GATEWAY": "fake",
            "ALLOW_FAKE_GATEWAY": "on",
            # collectstatic's output for this server only, beside the run's other files.
            "STATIC_ROOT": str(DATA / "static"),
            "CACHE_URL": CACHE_URL,
            "BENCH_PORT": str(port),
        }
    )
    return env


def run(args, env, **kwargs):
    return subprocess.run([str(a) for a in args], env=env, cwd=ROOT, check=True, **kwargs)  # noqa: S603


# --- The database ------------------------------------------------------------------------------


def recreate_database():
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [DB_NAME],
        )
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def database_exists() -> bool:
    with psycopg.connect(f"{SERVER_URL}/postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone() is not None


def vacuum_analyze():
    with psycopg.connect(f"{SERVER_URL}/{DB_NAME}", autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def database_facts() -> dict:
    with psycopg.connect(f"{SERVER_URL}/{DB_NAME}") as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "postgres": one("SHOW server_version"),
            "size": one(f"SELECT pg_size_pretty(pg_database_size('{DB_NAME}'))"),
            "doctors": one("SELECT count(*) FROM profiles_doctorprofile WHERE status = 'VERIFIED'"),
            "clinics": one("SELECT count(*) FROM profiles_clinic"),
            "appointments": one("SELECT count(*) FROM appointments_appointment"),
            "sessions": one("SELECT count(*) FROM consultations_consultationsession"),
            "messages": one("SELECT count(*) FROM consultations_message"),
            "rules": one("SELECT count(*) FROM appointments_availabilityrule"),
            "cities": one("SELECT count(*) FROM profiles_city"),
            "localities": one("SELECT count(*) FROM profiles_locality"),
            "specialties": one("SELECT count(*) FROM profiles_specialty"),
            "shared_buffers": one("SHOW shared_buffers"),
        }


def command_exists(name, env) -> bool:
    result = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "help", name], env=env, cwd=ROOT, capture_output=True, check=False
    )
    return result.returncode == 0


def build_database(env, args):
    with step("Create the database"):
        recreate_database()
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    with step("Load doctors, patients and appointments"):
        output = run(
            [PYTHON, BENCH / "load.py", "--doctors", args.doctors, "--appointments", args.appointments],
            env,
            capture_output=True,
            text=True,
        ).stdout
        print(output, end="")
        (DATA / "load.log").write_text(output)
    if command_exists("refresh_next_available", env):
        with step("manage.py refresh_next_available"):
            run([PYTHON, "manage.py", "refresh_next_available"], env)
    else:
        print("\n(no refresh_next_available command: the loader's own next-available values stand)")
    with step("VACUUM ANALYZE"):
        vacuum_analyze()


# --- The server --------------------------------------------------------------------------------


@contextmanager
def gunicorn(env, port):
    log = (DATA / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [BIN / "gunicorn", "medconsult.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer /healthz; see {DATA / 'gunicorn.log'}")
            time.sleep(0.2)
        print(f"   gunicorn (pid {server.pid}) answers on http://127.0.0.1:{port}")
        yield server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def port_free(port) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "") and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def fetch(url) -> bytes:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.read()


def page_weight(base) -> dict:
    """The search page's HTML and the CSS and scripts it loads, raw and gzipped."""
    html = fetch(base + WEIGHED_PAGE)
    parser = _Assets()
    parser.feed(html.decode())
    assets = {url: fetch(base + url if url.startswith("/") else url) for url in parser.urls}
    total = len(html) + sum(len(body) for body in assets.values())
    total_gzip = len(gzip.compress(html)) + sum(len(gzip.compress(body)) for body in assets.values())
    return {
        "path": WEIGHED_PAGE,
        "html": len(html),
        "html_gzip": len(gzip.compress(html)),
        "assets": {url: len(body) for url, body in assets.items()},
        "total": total,
        "total_gzip": total_gzip,
    }


# --- Other processes ----------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict:
    """{pid: (parent pid, command line, CPU ticks used so far)} from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), cmdline or stat[stat.index("(") + 1 : stat.rindex(")")],
                                  int(fields[11]) + int(fields[12]))  # fmt: skip
    return found


def _descends(pid, processes, root) -> bool:
    seen = set()
    while pid in processes and pid not in seen:
        if pid == root:
            return True
        seen.add(pid)
        pid = processes[pid][0]
    return False


class CpuUse:
    """CPU time used while the block runs, by whom: the app (gunicorn's workers),
    PostgreSQL working for the benchmark's database, and every other process on
    the machine (another test suite, say), whose share of all CPUs makes a
    measurement pessimistic. wrk, the load's client, counts in none of them.
    PostgreSQL's parallel workers exit before the block ends, so they are missed."""

    def __init__(self, server_pid):
        self.server_pid = server_pid

    def __enter__(self):
        self.started, self.before = time.monotonic(), _processes()
        return self

    def __exit__(self, *exc):
        after, wall = _processes(), time.monotonic() - self.started
        self.app = self.db = 0.0
        others = {}
        for pid, (_, cmdline, ticks) in after.items():
            seconds = (ticks - self.before.get(pid, (0, "", 0))[2]) / TICKS
            if seconds <= 0:
                continue
            if _descends(pid, after, self.server_pid):
                self.app += seconds
            elif DB_NAME in cmdline:
                self.db += seconds
            elif not _descends(pid, after, os.getpid()):
                name = " ".join(cmdline.split()[:3])[:60]
                others[name] = others.get(name, 0) + seconds
        self.share = 100 * sum(others.values()) / wall / (os.cpu_count() or 1)
        top = sorted(others.items(), key=lambda item: -item[1])[:3]
        self.top = [(name, 100 * seconds / wall) for name, seconds in top if seconds / wall > 0.05]


def wait_for_quiet(server_pid, limit_seconds, threshold=10.0):
    """Before measuring, wait (up to `limit_seconds`) until other processes use
    under `threshold` per cent of the CPUs over a few seconds; say how it went."""
    started = time.monotonic()
    deadline = started + limit_seconds
    while True:
        with CpuUse(server_pid) as other:
            time.sleep(3)
        if other.share < threshold:
            print(f"   other processes use {other.share:.0f}% of the CPUs: quiet enough")
            break
        busy = ", ".join(f"{cmd} {pct:.0f}%" for cmd, pct in other.top)
        if time.monotonic() >= deadline:
            print(f"   other processes use {other.share:.0f}% of the CPUs ({busy}); measuring anyway")
            break
        print(f"   other processes use {other.share:.0f}% of the CPUs ({busy}); waiting", flush=True)
        time.sleep(10)
    waited = time.monotonic() - started
    if waited > 10:
        timings["Waiting for other processes (not counted below)"] = waited


# --- Load ---------------------------------------------------------------------------------------

BENCH_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)


def headers_for(name, headers) -> dict:
    """The endpoint's headers, with the signed-in patient's cookie for the poll rows and the
    staff session for the admin rows."""
    if name in POLL_ENDPOINTS:
        return {**headers, "Cookie": (DATA / "poll_cookie.txt").read_text().strip()}
    if name in STAFF_ENDPOINTS:
        key = (DATA / "staff_session.txt").read_text().strip()
        return {**headers, "Cookie": f"sessionid={key}"}
    return headers


def flush_cache():
    """An empty shared cache for each run (versions, snapshots, sessions of the last one)."""
    if CACHE_URL.startswith(("redis://", "rediss://")):
        import redis

        redis.Redis.from_url(CACHE_URL).flushdb()


def wrk(base, name, headers, concurrency, seconds) -> dict:
    command = [
        "wrk",
        f"-t{min(concurrency, 2)}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        BENCH / "paths.lua",
    ]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    command += [base, "--", DATA / f"{name}.txt"]
    output = subprocess.run(  # noqa: S603
        [str(c) for c in command], capture_output=True, text=True, check=True
    ).stdout
    match = BENCH_LINE.search(output)
    if not match:
        raise SystemExit(f"wrk printed no BENCH line:\n{output}")
    return {key: float(value) for key, value in (pair.split("=") for pair in match.group(1).split())}


def drive(base, args, server_pid) -> dict:
    results = {}
    for name, _, headers in selected(args):
        headers = headers_for(name, headers)
        # Warm both workers (caches, connections, PostgreSQL's buffers) before measuring.
        wrk(base, name, headers, 4, args.warmup)
        for concurrency in args.concurrency:
            with CpuUse(server_pid) as cpu:
                result = wrk(base, name, headers, concurrency, args.duration)
            result["other_cpu"], result["other_top"] = cpu.share, cpu.top
            result["app_cpu_ms"] = 1000 * cpu.app / max(result["requests"], 1)
            result["db_cpu_ms"] = 1000 * cpu.db / max(result["requests"], 1)
            results[(name, concurrency)] = result
            problems = ""
            if result["errors"] or result["non2xx"]:
                problems = f"  ({int(result['errors'])} errors, {int(result['non2xx'])} non-2xx)"
            if cpu.share >= 5:
                problems += (
                    f"  [other processes used {cpu.share:.0f}% of the CPUs: "
                    + ", ".join(f"{cmd} {pct:.0f}%" for cmd, pct in cpu.top)
                    + "]"
                )
            print(
                f"   {name:<16} c={concurrency:<3} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']:6.1f}  "
                f"p95 {result['p95_ms']:6.1f}  p99 {result['p99_ms']:6.1f} ms  "
                f"CPU/request {result['app_cpu_ms']:.1f} app + {result['db_cpu_ms']:.1f} PostgreSQL ms{problems}",
                flush=True,
            )
    return results


# --- Report ---------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "dirty": bool(dirty),
        "nproc": os.cpu_count(),
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "python": platform.python_version(),
        "commit": commit or "unknown",
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _span(low, high) -> str:
    return f"{low}" if low == high else f"{low}-{high}"


def query_counts(count) -> str:
    """ "4", or "3-4 (1 if none found)" for a search: it skips its cards when it finds
    nobody, and a search ranked by its words counts in the same query as its page."""
    text = _span(count["min"], count["max"])
    if count.get("empty_min") is not None and count["empty_min"] != count["min"]:
        text += f" ({_span(count['empty_min'], count['empty_max'])} if none found)"
    return text


def selected(args) -> list:
    """The endpoints to measure: all, or /healthz (the baseline) and those named by --only."""
    return [e for e in ENDPOINTS if not args.only or e[0] == "healthz" or e[0] in args.only]


def limits(args, results, healthz_rps) -> list[str]:
    """What bounds each search endpoint's throughput, from its CPU time per request."""
    cpus = os.cpu_count() or 1
    low = min(args.concurrency)
    budget = {share: 1000 * cpus / (healthz_rps * share / 100) for share in (TARGET_SHARE, STRETCH_SHARE)}
    lines = [
        "",
        "## What limits throughput",
        "",
        f"The app, PostgreSQL and wrk share {cpus} CPUs, so an endpoint serves at most about "
        f"{1000 * cpus:,} / (CPU ms per request) requests/s. /healthz ran at {healthz_rps:,.0f} requests/s "
        f"(c={low}): {TARGET_SHARE}% of it needs at most {budget[TARGET_SHARE]:.1f} ms of CPU per request, "
        f"{STRETCH_SHARE}% at most {budget[STRETCH_SHARE]:.1f} ms.",
        "",
    ]
    for name in (n for n, _, _ in selected(args) if n in SEARCH_ENDPOINTS):
        label = next(label for n, label, _ in ENDPOINTS if n == name)
        r = results[(name, low)]
        total = r["app_cpu_ms"] + r["db_cpu_ms"]
        where = "the app (Python)" if r["app_cpu_ms"] >= r["db_cpu_ms"] else "PostgreSQL"
        lines.append(
            f"- {label}: {r['app_cpu_ms']:.1f} ms app + {r['db_cpu_ms']:.1f} ms PostgreSQL = {total:.1f} ms "
            f"per request, at most ~{1000 * cpus / total:,.0f} requests/s; "
            f"{total / budget[TARGET_SHARE]:.1f}x the {TARGET_SHARE}% budget, mostly {where}."
        )
    lines += ["", "What was tried and what to change: bench/results/analysis.md."]
    return lines


def poll_targets(args, results) -> list[str]:
    """Issue 12: the empty poll against the one-query view and /healthz, and its p95."""
    names = {n for n, _, _ in selected(args)}
    if not {"poll_empty", "ready"} <= names:
        return []
    lines = []
    for concurrency in args.concurrency:
        poll_rps = results[("poll_empty", concurrency)]["rps"]
        ready = 100 * poll_rps / results[("ready", concurrency)]["rps"]
        healthz = 100 * poll_rps / results[("healthz", concurrency)]["rps"]
        lines.append(
            f"- Empty poll at c={concurrency}: {ready:.0f}% of the one-query view's requests/s (target >= "
            f"{TARGET_POLL_READY_SHARE}%: {verdict(ready >= TARGET_POLL_READY_SHARE)}), {healthz:.0f}% of "
            f"/healthz's (target >= {TARGET_POLL_HEALTHZ_SHARE}%: {verdict(healthz >= TARGET_POLL_HEALTHZ_SHARE)})."
        )
    high = max(args.concurrency)
    for name in ("poll_empty", "poll_one"):
        if name in names:
            p95 = results[(name, high)]["p95_ms"]
            lines.append(
                f"- {name}: p95 {p95:.1f} ms at concurrency {high} (target < {TARGET_POLL_P95_MS} ms: "
                f"{verdict(p95 < TARGET_POLL_P95_MS)})."
            )
    return lines


def report(args, started, results, counts, weight, facts, info) -> str:
    database_options = args.database_options
    now = datetime.now(UTC)
    healthz = {c: results[("healthz", c)]["rps"] for c in args.concurrency}
    lines = [
        "# Benchmark results",
        "",
        f"Run {now:%Y-%m-%d %H:%M} UTC ({now.astimezone(IST):%H:%M} IST, which decides what "
        '"available today" finds) by `make bench`, commit '
        f"`{info['commit']}`" + (" with uncommitted changes." if info["dirty"] else "."),
        "",
        f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory; PostgreSQL "
        f"{facts['postgres']} on the same machine (shared_buffers {facts['shared_buffers']}); "
        f"Python {info['python']}.",
        "- Server: `gunicorn medconsult.wsgi --workers 2` (sync workers) on 127.0.0.1, DEBUG off, "
        "plain-http security settings, persistent database connections (CONN_MAX_AGE from settings), "
        "static files from whitenoise after collectstatic.",
        f"- Data: {facts['doctors']:,} verified doctors, {facts['clinics']:,} clinics in {facts['cities']} "
        f"cities ({facts['localities']} localities), {facts['specialties']} specialties, {facts['rules']:,} "
        f"weekly rules, {facts['appointments']:,} appointments, {facts['sessions']:,} consultation rooms with "
        f"{facts['messages']:,} messages; database {facts['size']}; shared cache `{CACHE_URL}`.",
        f"- Load: wrk, {args.duration} s per endpoint and concurrency after a {args.warmup} s warm-up, "
        "each endpoint walking its own list of paths (bench/data/*.txt: "
        "500+ different queries per search endpoint).",
        "- SQL queries per request: Django's test client with CaptureQueriesContext against the same "
        f"database, not under load, {max(c['samples'] for c in counts.values())} different paths per endpoint "
        "after one warm-up request (min-max).",
        "",
        "| Endpoint | Concurrency | Requests/s | p50 ms | p95 ms | p99 ms | % of /healthz | SQL queries "
        "| CPU ms/request: app + PostgreSQL | Other CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label, _ in selected(args):
        queries = query_counts(counts[name])
        for concurrency in args.concurrency:
            r = results[(name, concurrency)]
            errors = ""
            if r["errors"] or r["non2xx"]:
                errors = f" ({int(r['errors'])} errors, {int(r['non2xx'])} non-2xx)"
            lines.append(
                f"| {label}{errors} | {concurrency} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                f"{r['p99_ms']:.1f} | {100 * r['rps'] / healthz[concurrency]:.1f}% | {queries} | "
                f"{r['app_cpu_ms']:.1f} + {r['db_cpu_ms']:.1f} | {r['other_cpu']:.0f}% |"
            )

    busy = [r for r in results.values() if r["other_cpu"] >= 5]
    lines += [
        "",
        "CPU ms/request: CPU time the gunicorn workers (app) and PostgreSQL's backends for the benchmark "
        "database used per request during that run; the two share the machine's CPUs with wrk, so their "
        "sum bounds the throughput (at best about 1,000 ms x CPUs / sum requests per second). "
        "Other CPU: the share of the machine's CPUs that processes outside the benchmark used during "
        "that run (0% on a quiet machine). "
        + (
            f"**{len(busy)} of {len(results)} runs shared the machine** ("
            + "; ".join(sorted({f"{cmd}" for r in busy for cmd, _ in r["other_top"]}))
            + "): their numbers are pessimistic."
            if busy
            else "The machine was quiet throughout."
        ),
    ]
    if database_options:
        lines.append(f"PostgreSQL options for the server's connections: `{database_options}`.")

    low = min(args.concurrency)
    lines += ["", "## Targets", ""]
    for name in (n for n, _, _ in selected(args) if n in SEARCH_ENDPOINTS):
        label = next(label for n, label, _ in ENDPOINTS if n == name)
        p95 = results[(name, low)]["p95_ms"]
        shares = {c: 100 * results[(name, c)]["rps"] / healthz[c] for c in args.concurrency}
        worst = min(shares.values())
        stretch = " (stretch 20% met too)" if worst >= STRETCH_SHARE else ""
        lines.append(
            f"- {label}: p95 {p95:.1f} ms at concurrency {low} (target < {TARGET_P95_MS} ms: "
            f"{verdict(p95 < TARGET_P95_MS)}); throughput "
            + ", ".join(f"{shares[c]:.1f}% at c={c}" for c in args.concurrency)
            + f" of /healthz (target >= {TARGET_SHARE}%: {verdict(worst >= TARGET_SHARE)}){stretch}."
        )
    lines += poll_targets(args, results)
    constant = all(c["max"] - c["min"] <= 1 for c in counts.values())
    lines.append(
        "- SQL queries per request bounded on every sampled path of each endpoint (a search that "
        "finds nobody skips its cards, one ranked by its words counts with its page: one query fewer): "
        f"{'yes' if constant else '**no**'} (the unit tests prove independence from the data size)."
    )
    assets = ", ".join(f"{Path(url).name} {size / 1024:.1f} KB" for url, size in weight["assets"].items())
    lines.append(
        f"- Search page `{weight['path']}`: HTML {weight['html'] / 1024:.1f} KB "
        f"(target < {TARGET_HTML_KB} KB: {verdict(weight['html'] < TARGET_HTML_KB * 1024)}); with its CSS and "
        f"scripts ({assets}) {weight['total'] / 1024:.1f} KB (target < {TARGET_TOTAL_KB} KB: "
        f"{verdict(weight['total'] < TARGET_TOTAL_KB * 1024)}); gzipped {weight['html_gzip'] / 1024:.1f} KB "
        f"and {weight['total_gzip'] / 1024:.1f} KB."
    )

    lines += limits(args, results, healthz[low])
    lines += ["", "## Unloaded timings (test client, one request at a time)", ""]
    lines += [
        "| Endpoint | Statuses | Doctors found (median; empty) | Median ms | of which SQL | Slowest ms "
        "| Slowest path |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, label, _ in selected(args):
        c = counts[name]
        statuses = ", ".join(f"{n}x {code}" for code, n in c["statuses"].items())
        found = ""
        if name in SEARCH_ENDPOINTS and c.get("results_median") is not None:
            found = f"{c['results_median']:,.0f}; {c['results_empty']} of {c['samples']}"
        lines.append(
            f"| {label} | {statuses} | {found} | {c['ms_median']} | {c['sql_ms_median']} | {c['ms_max']} "
            f"| `{c['slowest_path']}` |"
        )

    lines += ["", "## Timing of this run", ""]
    log = DATA / "load.log"
    pattern = r"loaded ([\d,]+) rows in ([\d.]+) s \(([\d,]+) rows/s"
    rows = re.search(pattern, log.read_text()) if log.exists() else None
    if rows:
        built = (
            "" if "Load doctors, patients and appointments" in timings else " (when this database was built)"
        )
        lines.append(
            f"- Loader{built}: {rows.group(1)} rows in {rows.group(2)} s ({rows.group(3)} rows/s), COPY."
        )
    if "Load doctors, patients and appointments" not in timings:
        lines.append("- Database: kept from the previous run (`--reuse-database`), not rebuilt.")
    waited = timings.get("Waiting for other processes (not counted below)", 0)
    for label, seconds in timings.items():
        if label == "Serve and load":
            seconds -= waited
        lines.append(f"- {label}: {seconds:.0f} s")
    lines.append(
        f"- Whole run: {time.monotonic() - started - waited:.0f} s" + (" without the wait" if waited else "")
    )
    return "\n".join(lines) + "\n"


def main(argv=None):
    started = time.monotonic()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint and concurrency")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8001)))
    parser.add_argument("--doctors", type=int, default=100_000)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[name for name, _, _ in ENDPOINTS],
        help="measure only these endpoints (and /healthz); for experiments",
    )
    parser.add_argument(
        "--wait-for-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="before measuring, wait up to this long for other processes to leave the CPUs alone",
    )
    parser.add_argument(
        "--database-options",
        default="",
        help='PostgreSQL options for the server\'s connections, e.g. "-c jit=off" (for experiments)',
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="keep the database of the last run instead of rebuilding it",
    )
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        run([ROOT / "scripts" / "ensure-debian-packages.sh", "wrk"], dict(os.environ))
    if not port_free(args.port):
        raise SystemExit(f"Port {args.port} is in use: stop what runs there or pass --port.")
    DATA.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    env = bench_env(args.port, args.database_options)

    if args.reuse_database and database_exists():
        print(f"Reusing the database {DB_NAME} of the last run.")
        with step("Apply new migrations to the kept database"):
            run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    else:
        build_database(env, args)
    if command_exists("rollup_analytics", env):
        # What the periodic job keeps in production: the analytics page's closed days.
        with step("manage.py rollup_analytics"):
            run([PYTHON, "manage.py", "rollup_analytics"], env)
    with step("Collect static files"):
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    flush_cache()
    with step("Write the request paths"):
        run([PYTHON, BENCH / "queries.py"], env)
        run([PYTHON, BENCH / "poll_paths.py"], env)
    if any(name in STAFF_ENDPOINTS for name, _, _ in selected(args)):
        with step("A staff session for the admin endpoints"):
            run([PYTHON, BENCH / "staff_session.py"], env)
    with step("Count SQL queries per request"):
        run(
            [PYTHON, BENCH / "count_queries.py", "--out", DATA / "queries.json"]
            + [name for name, _, _ in selected(args)],
            env,
        )
    counts = json.loads((DATA / "queries.json").read_text())

    base = f"http://127.0.0.1:{args.port}"
    with step("Serve and load"), gunicorn(env, args.port) as server_pid:
        weight = page_weight(base)
        wait_for_quiet(server_pid, args.wait_for_quiet)
        results = drive(base, args, server_pid)

    raw = {f"{name} c={c}": r for (name, c), r in results.items()}
    (DATA / "results.json").write_text(json.dumps({"results": raw, "weight": weight}, indent=1))
    text = report(args, started, results, counts, weight, database_facts(), machine())
    # A run of a few endpoints (--only) is an experiment: it does not replace the full report.
    out = RESULTS / ("latest.md" if not args.only else "partial.md")
    out.write_text(text)
    print("\n" + text)
    print(f"Written to {out.relative_to(ROOT)}; the database {DB_NAME} is kept for inspection.")


if __name__ == "__main__":
    main()
