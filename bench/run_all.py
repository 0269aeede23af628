"""Every benchmark in one run (what `make bench` runs); see bench/README.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/run_all.py [--products 100000] [--quick] [--skip-seed] [--only ...]

Prints the figures and saves them under bench/results/ (one JSON per benchmark, and all of
them in latest.json with the time and the machine). Timings are reported, never asserted;
the exit status is 1 only when a CORRECTNESS check fails (oversold units, deadlocks, lost
cart updates, an If-Match round with other than one winner, a flash sale not selling exactly
its stock or answering a 5xx).
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

ALL = ("seed", "queries", "http", "cart", "oversell", "checkout", "profile", "search")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=None, help="catalog size (100000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2000 products, ~3 s each")
    parser.add_argument(
        "--skip-seed", action="store_true", help="keep the seeded catalog (no seed timing)"
    )
    parser.add_argument("--only", nargs="+", choices=ALL, help="run only these benchmarks")
    args = parser.parse_args()
    products = args.products or (2000 if args.quick else 100_000)
    selected = [b for b in ALL if b in (args.only or ALL)]
    if args.skip_seed and "seed" in selected:
        selected.remove("seed")
    seconds, probe_seconds = (3.0, 1.5) if args.quick else (10.0, 4.0)
    started = time.perf_counter()
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

    if "queries" in selected:
        from bench import queries_bench

        common.header("queries: SQL queries per request (page_size 5 vs 100)")
        results["queries"] = queries_bench.run(fixtures)
        common.save("queries", results["queries"])

    if "http" in selected:
        from bench import http_bench

        common.header("http: gunicorn, 16 concurrent clients")
        results["http"] = http_bench.run(fixtures, seconds=seconds, probe_seconds=probe_seconds)
        common.save("http", results["http"])

    if "cart" in selected:
        from bench import cart_race

        common.header("cart: lost updates and If-Match, through HTTP")
        server = results.get("http", {}).get("server", {"workers": 4, "threads": 1})
        results["cart"] = cart_race.run(
            fixtures,
            workers=server["workers"],
            threads=server["threads"],
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

        common.header("checkout: checkouts/s (dummy provider) and a flash sale, through HTTP")
        server = results.get("http", {}).get("server", {"workers": 3, "threads": 4})
        results["checkout"] = checkout_bench.run(
            fixtures,
            workers=server["workers"],
            threads=server["threads"],
            checkouts=300 if args.quick else 2000,
        )
        common.save("checkout", results["checkout"])

    if "profile" in selected:
        from bench import profile_bench

        common.header("profile: where a request's time goes (in-process, cProfile)")
        results["profile"] = profile_bench.run(fixtures, requests=100 if args.quick else 400)
        common.save("profile", results["profile"])

    if "search" in selected:
        from bench import search_bench

        common.header("search: search with facets and suggest, c=1 and c=8; full reindex")
        results["search"] = search_bench.run(fixtures, seconds=seconds)
        common.save("search", results["search"])

    failures = []
    if "oversell" in results and not results["oversell"]["correct"]:
        failures.append("oversell")
    if "cart" in results and not results["cart"]["correct"]:
        failures.append("cart")
    if "checkout" in results and not results["checkout"]["correct"]:
        failures.append("checkout")
    combined = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "run": {
            "products": products,
            "quick": args.quick,
            "benchmarks": selected,
            "seconds": round(time.perf_counter() - started, 1),
        },
        "summary": _summary(results),
        "correctness_failures": failures,
        "benchmarks": results,
    }
    path = common.RESULTS / "latest.json"
    path.write_text(json.dumps(combined, indent=2, default=str) + "\n")
    common.header("summary")
    for key, value in combined["summary"].items():
        print(f"{key:<44} {value}")
    print(f"\nsaved {path.relative_to(common.ROOT)} ({combined['run']['seconds']} s)")
    if failures:
        print(f"CORRECTNESS FAILURE: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


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
