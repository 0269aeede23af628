"""`search`: search with facets and suggest latencies, and a full reindex, in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/search_bench.py [--seconds 10] [--skip-reindex]

On the seeded catalog (100,000 demo products in `make bench`):
- full reindex: `rebuild(backend="pg")` over every active product from an empty index (as
  seed_demo does) and again over the current one, seconds and documents/s;
- search with facets: a fixed mix of shop queries (nouns, brand + noun, materials, typos,
  with and without filters and sorts) through `apps.search.services.search` — the uncached
  path: the API's answer cache would otherwise measure Redis — closed loop for `seconds` at
  concurrency 1 and 8 (threads, each with its own PostgreSQL connection), p50/p95/p99;
- suggest: a mix of 2-6 letter prefixes (two with a typo) the same way;
- broad queries (words in most descriptions) reported apart, single client;
- SQL queries per search and EXPLAIN ANALYZE of one search and one suggest.
The backend is whatever the settings say (PostgreSQL unless ELASTICSEARCH_URL is set).
Timings are printed and saved (bench/results/search.json), never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

TARGET_P95_MS = 30.0  # search with facets, concurrency 1, PostgreSQL
CONCURRENCY = (1, 8)
PREFIXES = [
    "la", "lap", "sh", "shi", "nor", "hea", "cof", "jac", "bo", "runn", "oxf", "ergo",
    "tre", "yog", "woo", "bac", "mech", "smar", "dumb", "pil", "lsp", "nortwind",
]  # fmt: skip
BROAD = ["warranty", "pro", "black"]


def _queries(fixtures: dict) -> list[dict]:
    from apps.search.services import SearchFilters

    root, brand = fixtures["root_category"], fixtures["brand"]
    return [
        {"query": "laptop"},
        {"query": "oxford shirt"},
        {"query": "headphones", "filters": SearchFilters(in_stock=True)},
        {"query": "leather", "sort": "price_asc"},
        {"query": "northwind jacket"},
        {"query": "coffee maker"},
        {"query": "wool coat", "filters": SearchFilters(max_price=Decimal("200"))},
        {"query": "jacket", "filters": SearchFilters(category_id=root)},
        {"query": "trail runner"},
        {"query": "lapotp"},  # typo
        {"query": "hedphones"},  # typo
        {"query": "chelsea boot"},
        {"query": "merino"},
        {"query": "portable speaker", "filters": SearchFilters(min_price=Decimal("50"))},
        {"query": "office chair", "sort": "rating"},
        {"query": "yoga mat"},
        {"query": "cast iron"},
        {"query": "jeans", "filters": SearchFilters(brand_id=brand)},
        {"query": "backpack", "sort": "newest"},
        {"query": "mechanical keyboard", "page": 2},
    ]


def _percentiles(latencies: list[float]) -> dict:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {"p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99)}


def _closed_loop(call, items: list, *, clients: int, seconds: float) -> dict:
    """`clients` threads call `call(item)` back to back over `items` for `seconds`."""
    from django.db import connection

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(offset: int) -> None:
        mine: list[float] = []
        try:
            for item in items:  # warm this connection (plans, catalogs)
                call(item)
            barrier.wait(timeout=60)
            deadline = time.perf_counter() + seconds
            n = offset
            while time.perf_counter() < deadline:
                item = items[n % len(items)]
                n += 1
                started = time.perf_counter()
                call(item)
                mine.append(time.perf_counter() - started)
        except Exception as exc:  # a failure is reported, never hidden in the figures
            with lock:
                errors.append(f"{exc.__class__.__name__}: {exc}")
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i * 3,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    result = {
        "concurrency": clients,
        "requests": len(latencies),
        "errors": errors[:5],
        "per_second": round(len(latencies) / seconds, 1) if latencies else 0.0,
        "seconds": round(elapsed, 1),
    }
    if latencies:
        result.update(_percentiles(latencies))
    return result


def _explain(sql: str, params: dict) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # warm
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def _queries_per_search(fixtures: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.search import services

    counts = {}
    for spec in _queries(fixtures)[:4]:
        with CaptureQueriesContext(connection) as captured:
            services.search(**spec)
        counts[spec["query"]] = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        services.suggest(prefix="lsp")
    counts["suggest lsp"] = len(captured.captured_queries)
    return counts


def run(fixtures: dict, *, seconds: float = 10.0, reindex: bool = True) -> dict:
    common.django_setup()
    from apps.search import services
    from apps.search.backends.postgres import SUGGEST_SQL, search_sql
    from apps.search.services.query import search_query_build

    result: dict = {"backend": "es" if _es_configured() else "pg"}
    if reindex:
        # From empty (what seed_demo does), then again over the current index (what an
        # operator's search_reindex mostly is: unchanged documents are read, not rewritten).
        _empty_the_index()
        for label in ("reindex", "reindex_current"):
            summary = services.rebuild(backend="pg")
            result[label] = {
                "documents": summary.documents,
                "seconds": summary.seconds,
                "documents_per_second": round(summary.documents_per_second),
            }
            print(
                f"full {label.replace('_', ' of the ')} (pg): {summary.documents} documents "
                f"in {summary.seconds:.1f} s ({summary.documents_per_second:.0f} docs/s)",
                flush=True,
            )
    result["documents"] = services.documents_count()

    queries = _queries(fixtures)
    counts = {spec["query"]: services.search(**spec).count for spec in queries}
    result["query_mix"] = [
        {**{k: str(v) for k, v in spec.items()}, "hits": counts[spec["query"]]} for spec in queries
    ]
    result["sql_queries_per_request"] = _queries_per_search(fixtures)

    def search(spec):
        return services.search(**spec)

    def suggest(prefix):
        return services.suggest(prefix=prefix)

    for name, call, items in (("search", search, queries), ("suggest", suggest, PREFIXES)):
        for clients in CONCURRENCY:
            figures = _closed_loop(call, items, clients=clients, seconds=seconds)
            result[f"{name}_c{clients}"] = figures
            print(
                f"{name:<8} c={clients}: p50 {figures.get('p50_ms')} ms, p95 "
                f"{figures.get('p95_ms')} ms, p99 {figures.get('p99_ms')} ms, "
                f"{figures['per_second']}/s ({figures['requests']} requests"
                f"{', ERRORS ' + str(figures['errors']) if figures['errors'] else ''})",
                flush=True,
            )

    broad = {}
    for word in BROAD:
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            hits = services.search(query=word).count
            timings.append(time.perf_counter() - started)
        broad[word] = {"hits": hits, "median_ms": round(statistics.median(timings) * 1000, 1)}
    result["broad_queries_c1"] = broad
    print("broad queries (c=1): " + ", ".join(f"{w} {b}" for w, b in broad.items()), flush=True)

    if result["backend"] == "pg":
        sql, params = search_sql(search_query_build(query="leather"))
        result["explain_search_leather"] = _explain(sql, params)
        result["explain_suggest_lap"] = _explain(
            SUGGEST_SQL, {"last": "lap", "exact": "'lap':*", "head": ""}
        )
    p95 = result["search_c1"].get("p95_ms")
    result["target_p95_ms_search_c1"] = TARGET_P95_MS
    result["target_met"] = p95 is not None and p95 < TARGET_P95_MS
    print(
        f"target: search with facets p95 < {TARGET_P95_MS} ms at c=1: "
        f"{'met' if result['target_met'] else 'MISSED'} ({p95} ms)"
    )
    return result


def _empty_the_index() -> None:
    # Benchmark databases only (bench/ is outside the apps' import contract).
    from django.db import connection

    from apps.search.models import SearchDocument, SearchTerm

    tables = f"{SearchDocument._meta.db_table}, {SearchTerm._meta.db_table}"
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables}")


def _es_configured() -> bool:
    from django.conf import settings

    return bool(settings.ELASTICSEARCH_URL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement (10)")
    parser.add_argument("--skip-reindex", action="store_true", help="no full reindex timing")
    args = parser.parse_args()
    from bench import fixtures as fixtures_module

    fixtures = fixtures_module.pick()
    common.header("search: search with facets and suggest, c=1 and c=8; full reindex")
    result = run(fixtures, seconds=args.seconds, reindex=not args.skip_reindex)
    result["machine"] = common.machine_info()
    path = common.save("search", result)
    print(f"saved {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
