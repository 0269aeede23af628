"""Every benchmark in one run (what `make bench` runs); see bench/README.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/run_all.py [--products 20000] [--quick] [--skip-seed] [--only ...]

Seeds its own database, then starts the shop under gunicorn (and, for checkout, a Celery
worker on CELERY_BROKER_URL), drives it from load-generator processes on loopback and stops
everything it started. Prints ONE table at the end and saves it: bench/results/<UTC stamp>.json
and bench/results/latest.json (plus one JSON per benchmark). Timings are reported, never
asserted; the exit status is 1 only when a CORRECTNESS check fails (oversold units,
deadlocks, lost cart updates, an If-Match round with other than one winner, a flash sale not
selling exactly its stock or answering a 5xx, an outbox event dead).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

ALL = ("seed", "queries", "http", "api", "cart", "oversell", "checkout", "profile", "search")
DEFAULT_SHAPE = (2, 4)  # kept by the last full `http` probe on 2 cores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=None, help="catalog size (20000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2000 products, ~3 s each")
    parser.add_argument(
        "--skip-seed", action="store_true", help="keep the seeded catalog (no seed timing)"
    )
    parser.add_argument("--only", nargs="+", choices=ALL, help="run only these benchmarks")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the http probe's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (with --workers)")
    parser.add_argument("--seconds", type=float, help="per measured endpoint (8; --quick 3)")
    parser.add_argument(
        "--broker",
        choices=("rabbitmq", "memory"),
        default="rabbitmq",
        help="checkout's outbox: RabbitMQ + a real worker (default) or memory:// (no worker)",
    )
    args = parser.parse_args()
    products = args.products or (2000 if args.quick else 20_000)
    selected = [b for b in ALL if b in (args.only or ALL)]
    if args.skip_seed and "seed" in selected:
        selected.remove("seed")
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    probe_seconds = 1.5 if args.quick else 4.0
    started = time.perf_counter()
    stamp = datetime.now(UTC)
    results: dict[str, dict] = {}

    if "seed" in selected:
        from bench import seed_bench

        common.header(f"seed: seed_demo --products {products} on an empty database")
        results["seed"] = seed_bench.run(products)
        common.save("seed", results["seed"])

    from bench import fixtures as fixtures_module

    fixtures = fixtures_module.pick()
    machine = common.machine_info()
    print(
        f"\nmachine: {machine['cores']} cores, Python {machine['python']}, PostgreSQL "
        f"{machine['postgresql']}; catalog: {fixtures['active_products']} active products",
        flush=True,
    )

    def shape() -> tuple[int, int]:
        if args.workers:
            return args.workers, args.threads or 1
        server = results.get("http", {}).get("server")
        return (server["workers"], server["threads"]) if server else DEFAULT_SHAPE

    if "queries" in selected:
        from bench import queries_bench

        common.header("queries: SQL queries per request of every endpoint loaded below")
        results["queries"] = queries_bench.run(fixtures)
        common.save("queries", results["queries"])

    if "http" in selected:
        from bench import http_bench

        common.header("http: gunicorn, 16 concurrent clients")
        results["http"] = http_bench.run(fixtures, seconds=seconds, probe_seconds=probe_seconds)
        common.save("http", results["http"])

    if "api" in selected:
        from bench import api_bench

        workers, threads = shape()
        common.header("api: every storefront scenario through HTTP, ratio to the bare view")
        results["api"] = api_bench.run(fixtures, workers=workers, threads=threads, seconds=seconds)
        common.save("api", results["api"])

    if "cart" in selected:
        from bench import cart_race

        workers, threads = shape()
        common.header("cart: lost updates and If-Match, through HTTP")
        results["cart"] = cart_race.run(
            fixtures,
            workers=workers,
            threads=threads,
            rounds=10 if args.quick else 30,
            writers=16,
        )
        common.save("cart", results["cart"])

    if "oversell" in selected:
        from bench import oversell

        common.header("oversell: 200 buyers race for 50 units (reservation_create)")
        results["oversell"] = oversell.run(fixtures)
        common.save("oversell", results["oversell"])

    if "checkout" in selected:
        from bench import checkout_bench

        workers, threads = shape()
        common.header("checkout: orders/s (dummy provider, real worker) and a flash sale, HTTP")
        results["checkout"] = checkout_bench.run(
            fixtures,
            workers=workers,
            threads=threads,
            checkouts=300 if args.quick else 2000,
            broker=args.broker,
        )
        common.save("checkout", results["checkout"])

    if "profile" in selected:
        from bench import profile_bench

        common.header("profile: where a request's time goes (in-process, cProfile)")
        results["profile"] = profile_bench.run(fixtures, requests=100 if args.quick else 400)
        common.save("profile", results["profile"])

    if "search" in selected:
        from bench import search_bench

        common.header("search: search with facets and suggest in-process, c=1 and c=8; reindex")
        results["search"] = search_bench.run(fixtures, seconds=min(seconds, 6.0))
        common.save("search", results["search"])

    failures = [
        name
        for name in ("oversell", "cart", "checkout")
        if not results.get(name, {}).get("correct", True)
    ]
    rows = table_rows(results)
    combined = {
        "at": stamp.isoformat(timespec="seconds"),
        "machine": machine,
        "run": {
            "products": products,
            "quick": args.quick,
            "benchmarks": selected,
            "seconds": round(time.perf_counter() - started, 1),
        },
        "table": rows,
        "summary": _summary(results),
        "correctness_failures": failures,
        "benchmarks": results,
    }
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(combined, indent=2, default=str) + "\n"
    stamped = common.RESULTS / f"{stamp.strftime('%Y%m%dT%H%M%SZ')}.json"
    stamped.write_text(text)
    latest = common.RESULTS / "latest.json"
    latest.write_text(text)
    common.header(
        f"make bench: {products} products, {machine['cores']} cores, load "
        f"{machine['load_average_1_5_15'][0]}, {combined['run']['seconds']} s"
    )
    print(format_table(rows))
    print(
        f"\nsaved {stamped.relative_to(common.ROOT)} and {latest.relative_to(common.ROOT)}"
        f" ({combined['run']['seconds']} s)"
    )
    if failures:
        print(f"CORRECTNESS FAILURE: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


COLUMNS = (
    "scenario",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "errors",
    "x bare",
    "x minimal",
    "SQL/req",
    "notes",
)


def _sql(queries: dict, scenario: str) -> str:
    rows = queries.get("queries_per_request", {})

    def pair(row: dict | None, cold: str, warm: str) -> str:
        return f"{row[cold]} ({row[warm]} cached)" if row else ""

    lists = rows.get("products ?category=<root>&ordering=-price")
    detail = rows.get("products/{id} (most variants)")
    search = rows.get("search ?q= (facets)")
    return {
        "bare": "0",
        "product list (page 20, filters)": pair(lists, "page_size=5", "cached"),
        "product detail (cached)": pair(detail, "uncached", "cached"),
        "category tree": str(rows.get("categories (tree)", {}).get("queries", "")),
        "search + facets (query mix)": pair(search, "uncached", "cached"),
        "search + facets (distinct queries)": str(search["uncached"]) if search else "",
        "suggest": pair(rows.get("search/suggest"), "uncached", "cached"),
        "cart GET (2 lines)": str(rows.get("cart GET", {}).get("lines=5", "")),
        "cart add (POST cart/items)": str(
            rows.get("cart items POST (2nd line)", {}).get("queries", "")
        ),
        "checkout preview": str(
            rows.get("checkout/preview (5 lines + coupon)", {}).get("queries", "")
        ),
        "checkout (dummy provider)": _checkout_sql(rows.get("checkout (5 lines + coupon)")),
    }.get(scenario, "")


def _checkout_sql(row: dict | None) -> str:
    if not row:
        return ""
    return (
        f"{row['queries']} (5 lines + coupon, {row['promotions_applied']} promotions applied; "
        f"{row['statements_with_transaction_control']} with BEGIN/COMMIT/SAVEPOINT)"
    )


def table_rows(results: dict) -> list[dict]:
    """The one table: every scenario's figures, then the correctness lines."""
    queries = results.get("queries", {})
    rows: list[dict] = []

    def row(
        scenario,
        rps=None,
        p50=None,
        p95=None,
        p99=None,
        errors=None,
        ratio=None,
        notes="",
        over_minimal=None,
    ):
        rows.append(
            {
                "scenario": scenario,
                "req/s": None if rps is None else round(rps, 1),
                "p50 ms": None if p50 is None else round(p50, 1),
                "p95 ms": None if p95 is None else round(p95, 1),
                "p99 ms": None if p99 is None else round(p99, 1),
                "errors": errors,
                "x bare": ratio,
                "x minimal": over_minimal,
                "SQL/req": _sql(queries, scenario),
                "notes": notes,
            }
        )

    if "seed" in results:
        seed = results["seed"]
        row(f"seed_demo --products {seed['products']}", notes=f"{seed['seed_seconds']} s")
    bare_rps = None
    if "api" in results:
        api = results["api"]
        bare_rps = api["results"]["bare"]["rps"]
        server = api["server"]
        for name, r in api["results"].items():
            notes = ""
            if name == "bare":
                first, last = api["bare_rps_first_last"]
                notes = (
                    f"gunicorn {server['workers']}x{server['threads']}; first {first:.0f}, "
                    f"last {last:.0f} req/s"
                )
            row(
                name,
                r["rps"],
                r["p50_ms"],
                r["p95_ms"],
                r["p99_ms"],
                r["errors"],
                r["over_bare"],
                notes,
            )
    if "checkout" in results:
        c = results["checkout"]
        t, f = c["throughput"], c["flash_sale"]
        errors = sum(n for s, n in t["statuses"].items() if s != "201")
        ratio = round(t["checkouts_per_second"] / bare_rps, 3) if bare_rps else None
        row(
            "checkout (dummy provider)",
            t["checkouts_per_second"],
            t["p50_ms"],
            t["p95_ms"],
            t["p99_ms"],
            errors,
            ratio,
            f"orders/s; {t['checkouts']} orders, {t['clients']} clients",
        )
        row(
            f"flash sale ({f['buyers']} buyers, stock {f['units']})",
            errors=f["five_xx"],
            notes=(
                f"sold {f['sold']} of {f['units']}, oversold {f['oversold_units']}, 5xx "
                f"{f['five_xx']}, 409 {f['refused_409']}, wall {f['wall_seconds']} s"
            ),
        )
        o = c.get("outbox", {})
        if "events" in o:
            row(
                "outbox -> RabbitMQ -> worker",
                notes=(
                    f"{o['events']} events: {o['done']} done, {o['pending']} pending, "
                    f"{o['dead']} dead; drained {o['drained_after_seconds']} s after the sale"
                ),
            )
    if "http" in results:
        h = results["http"]
        for name, r in h["results"].items():
            ratio = round(r["rps"] / h["results"]["bare"]["rps"], 3)
            row(
                f"http: {name}",
                r["rps"],
                r["p50_ms"],
                r["p95_ms"],
                r["p99_ms"],
                r["errors"],
                ratio,
                "hot-path run (bench/http_bench.py)",
                over_minimal=h.get("ratios_over_minimal", {}).get(name),
            )
    if "search" in results:
        s = results["search"]
        for name in ("search_c1", "search_c8", "suggest_c1", "suggest_c8"):
            r = s[name]
            row(
                f"in-process {name}",
                r.get("per_second"),
                r.get("p50_ms"),
                r.get("p95_ms"),
                r.get("p99_ms"),
                len(r.get("errors", [])),
                None,
                "in-process services, uncached",
            )
        if "reindex" in s:
            row(
                "search full reindex",
                notes=(f"{s['reindex']['documents']} docs in {s['reindex']['seconds']} s"),
            )
    if "oversell" in results:
        o = results["oversell"]
        row(
            "oversell (reservation_create races)",
            notes=(
                f"oversold {o['single_line']['oversold_units'] + o['multi_line']['oversold_units']}"
                f", deadlocks {o['single_line']['deadlocks'] + o['multi_line']['deadlocks']}, "
                f"single-line winners {o['single_line']['successes']} of 50, reconcile "
                f"{'clean' if o['reconcile_clean'] else 'DIRTY'}"
            ),
        )
    if "cart" in results:
        c = results["cart"]
        adds = c["lost_updates"]
        row(
            "cart add, 16 writers on one line",
            adds.get("adds_per_second"),
            over_minimal=adds.get("adds_over_minimal_bare"),
            notes="hot-path run (bench/cart_race.py), ratio to the minimal-stack bare view",
        )
        row(
            "cart race (one line, If-Match)",
            notes=(
                f"lost updates {c['lost_updates']['lost_updates']}, If-Match rounds with one "
                f"winner {c['if_match']['rounds_with_exactly_one_winner']}/"
                f"{c['if_match']['rounds']}"
            ),
        )
    return rows


def format_table(rows: list[dict]) -> str:
    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return (
                f"{value:.2f}" if value < 10 else f"{value:.0f}" if value >= 100 else f"{value:.1f}"
            )
        return str(value)

    cells = [[cell(r[c]) for c in COLUMNS] for r in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(COLUMNS)]
    numeric = {1, 2, 3, 4, 5, 6, 7}

    def line(values) -> str:
        return "  ".join(
            v.rjust(w) if i in numeric else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    out = [line(COLUMNS), line(["-" * w for w in widths])]
    out.extend(line(values) for values in cells)
    return "\n".join(out)


def _summary(results: dict) -> dict:
    summary: dict[str, object] = {}
    if "seed" in results:
        seed = results["seed"]
        summary[f"seed {seed['products']} products (s)"] = seed["seed_seconds"]
    if "http" in results:
        http = results["http"]
        server = http["server"]
        summary["http server"] = f"{server['workers']} workers x {server['threads']} threads"
        for name, r in http["results"].items():
            summary[f"http {name}"] = f"{r['rps']:.0f} req/s, p99 {r['p99_ms']:.1f} ms"
        summary["http detail/bare (target >= 0.80)"] = http["ratios"]["detail_over_bare"]
        summary["http list/bare (target >= 0.50)"] = http["ratios"]["list_over_bare"]
    if "queries" in results:
        rows = results["queries"]["queries_per_request"]
        summary["queries fixed for every endpoint"] = all(
            r.get("fixed", True) for r in rows.values()
        )
    if "oversell" in results:
        o = results["oversell"]
        summary["oversell oversold units (must be 0)"] = (
            o["single_line"]["oversold_units"] + o["multi_line"]["oversold_units"]
        )
        summary["oversell deadlocks (must be 0)"] = (
            o["single_line"]["deadlocks"] + o["multi_line"]["deadlocks"]
        )
        summary["oversell single line winners (50)"] = o["single_line"]["successes"]
        summary["oversell attempts/s single, multi"] = (
            f"{o['single_line']['attempts_per_second']}, {o['multi_line']['attempts_per_second']}"
        )
        summary["oversell reconcile clean"] = o["reconcile_clean"]
    if "cart" in results:
        c = results["cart"]
        summary["cart lost updates (must be 0)"] = c["lost_updates"]["lost_updates"]
        summary["cart adds/s (one shared line)"] = c["lost_updates"]["adds_per_second"]
        summary["cart If-Match rounds with one winner"] = (
            f"{c['if_match']['rounds_with_exactly_one_winner']}/{c['if_match']['rounds']}"
        )
    if "checkout" in results:
        t, f = results["checkout"]["throughput"], results["checkout"]["flash_sale"]
        summary["checkout/s, dummy provider (target >= 150)"] = t["checkouts_per_second"]
        summary["checkout p50 / p99 (ms)"] = f"{t['p50_ms']} / {t['p99_ms']}"
        summary["flash sale sold of stock (50 of 50)"] = f"{f['sold']} of {f['units']}"
        summary["flash sale 5xx (must be 0)"] = f["five_xx"]
        summary["flash sale wall time (target < 3 s)"] = f["wall_seconds"]
    if "search" in results:
        r = results["search"]
        for name in ("search_c1", "search_c8", "suggest_c1", "suggest_c8"):
            summary[f"search {name} p50/p95 ms"] = (
                f"{r[name].get('p50_ms')} / {r[name].get('p95_ms')}"
            )
        summary["search p95 c=1 < 30 ms"] = r["target_met"]
        if "reindex" in r:
            summary["search full reindex (s, docs/s)"] = (
                f"{r['reindex']['seconds']}, {r['reindex']['documents_per_second']}"
            )
    return summary


if __name__ == "__main__":
    sys.exit(main())
