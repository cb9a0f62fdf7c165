"""Count the SQL queries each benchmarked endpoint makes per request, with
Django's test client against the benchmark database (not under load).

    DATABASE_URL=... python bench/count_queries.py --out bench/data/queries.json

Each endpoint's first request warms the process (the cached reference data,
the template loaders) and is not counted; then `--samples` different paths
from the endpoint's file in bench/data/ are requested and their query counts
kept. The slowest request's SQL of each endpoint is kept too, to EXPLAIN.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medconsult.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
# "1,234 Dermatologists in Pune", "1,000+ doctors for “fever”" (counting stops there).
TOTAL = re.compile(r'id="results-summary"[^>]*>\s*([\d,]+)\+?\s')


def measure(client, path, headers):
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = time.perf_counter() - started
    return response, elapsed, captured.captured_queries


def results_total(response) -> int | None:
    """The number of doctors a search page reports ("1,234 Dermatologists in Pune")."""
    match = TOTAL.search(response.content.decode(errors="replace"))
    return int(match.group(1).replace(",", "")) if match else None


def count_endpoint(name, headers, samples) -> dict:
    paths = [p for p in (DATA / f"{name}.txt").read_text().splitlines() if p]
    chosen = paths[:: max(len(paths) // samples, 1)][:samples]
    # A browser that has been here before: the city cookie the home page sets, no session.
    client = Client(SERVER_NAME="127.0.0.1")
    if name.startswith("poll_"):
        # The patient bench/poll_paths.py signed in.
        key, value = (DATA / "poll_cookie.txt").read_text().strip().split("=", 1)
        client.cookies[key] = value
    if name == "analytics":  # behind the staff login: the session bench/staff_session.py made
        client.cookies["sessionid"] = (DATA / "staff_session.txt").read_text().strip()
    client.get(chosen[0], headers=headers)  # warm-up, not counted
    counts, statuses, timings, sql_timings, totals, slowest = [], {}, [], [], [], (0.0, "", [])
    for path in chosen:
        response, elapsed, queries = measure(client, path, headers)
        counts.append(len(queries))
        sql_timings.append(sum(float(q["time"]) for q in queries) * 1000)
        totals.append(results_total(response))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        timings.append(elapsed * 1000)
        if elapsed > slowest[0]:
            slowest = (elapsed, path, queries)
    # A search that finds nobody skips its cards: count those apart.
    found = [n for n, total in zip(counts, totals, strict=True) if total != 0] or counts
    empty = [n for n, total in zip(counts, totals, strict=True) if total == 0]
    return {
        "samples": len(chosen),
        "min": min(found),
        "max": max(found),
        "median": statistics.median(found),
        "empty_min": min(empty) if empty else None,
        "empty_max": max(empty) if empty else None,
        "statuses": {str(code): n for code, n in sorted(statuses.items())},
        "results_median": statistics.median(t for t in totals) if None not in totals else None,
        "results_empty": sum(1 for t in totals if t == 0),
        "ms_median": round(statistics.median(timings), 1),
        "sql_ms_median": round(statistics.median(sql_timings), 1),
        "ms_max": round(max(timings), 1),
        "slowest_path": slowest[1],
        "slowest_sql": [{"sql": q["sql"], "ms": float(q["time"]) * 1000} for q in slowest[2]],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=25)
    parser.add_argument("--out", type=Path, default=DATA / "queries.json")
    parser.add_argument(
        "endpoints",
        nargs="*",
        default=[
            "healthz",
            "home",
            "search_text",
            "search_filtered",
            "search_3days",
            "landing",
            "doctor",
            "slots",
            "ready",
            "poll_empty",
            "poll_one",
            "analytics",
        ],
    )
    args = parser.parse_args(argv)
    results = {}
    for name in args.endpoints:
        headers = {"HX-Request": "true"} if name in ("slots", "poll_empty", "poll_one") else {}
        results[name] = count_endpoint(name, headers, args.samples)
        r = results[name]
        print(
            f"  {name:<16} queries {r['min']}-{r['max']} (median {r['median']}), "
            f"statuses {r['statuses']}, {r['ms_median']} ms median unloaded ({r['sql_ms_median']} ms in SQL)"
        )
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
