"""`http`: read throughput and latency of the shop under gunicorn, against two bare views.

16 closed-loop clients (bench/load.py, two generator processes) on the same machine as the
server: on 2 cores the generator takes a share of the CPU, which lowers every figure alike;
the ratios to the bare views are the fairer comparison. Two yardsticks:

- the shop's bare view (`/bench/bare` in bench.settings): a JSON view behind the shop's whole
  request stack, so `<endpoint>_over_bare` is what the endpoint adds to the stack;
- the minimal-stack bare view (bench/minimal: startproject's middleware less sessions and
  messages, one JSON view, no database) on a second gunicorn of the same shape, measured
  right before each endpoint and after the last (alternating, as the machine is shared and
  noisy): `ratios_over_minimal` is what the stack and the endpoint cost together.

The measured run serves bare, detail, lists, the tree, cart GET and cart add (each client
adding to its own anonymous cart, as the `api` block's add: the storefront's hottest write).
"""

from __future__ import annotations

import json
import math
import urllib.request

from bench.load import run_spec
from bench.minimal.server import PATH as MINIMAL_PATH
from bench.minimal.server import minimal_gunicorn
from bench.server import gunicorn

CONCURRENCY = 16
# gunicorn shapes tried on this machine; the best (by the geometric mean of the probe's
# req/s over bare, detail and list) serves ALL endpoints of the measured run.
CONFIGS = ((4, 1), (2, 4), (3, 2))
TARGETS = {"detail_over_bare": 0.80, "list_over_bare": 0.50, "p99_ms": 50.0}
# Issue 13: as ratios to the minimal-stack bare view measured next to each endpoint.
MINIMAL_TARGETS = {
    "detail (cached)": 0.60,
    "categories": 0.60,
    "list (default page)": 0.50,
    "cart GET (anonymous, 2 lines)": 0.30,
    "cart add (anonymous, own carts)": 0.15,
}
MINIMAL = "bare (minimal stack)"
CART_ADD = "cart add (anonymous, own carts)"


def _request(url: str, *, method: str = "GET", body: dict | None = None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json"}
        | (headers or {}),
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), json.loads(response.read() or b"null")


def _endpoints(base: str, fixtures: dict, cart_token: str) -> dict[str, dict]:
    root = fixtures["root_category"]
    return {
        "bare": {"url": f"{base}/bench/bare"},
        "detail (cached)": {
            "url": [f"{base}/api/v1/products/{pid}" for pid in fixtures["detail_ids"]]
        },
        "list (default page)": {"url": f"{base}/api/v1/products"},
        "list ?category=<root>&ordering=-price": {
            "url": f"{base}/api/v1/products?category={root}&ordering=-price"
        },
        "categories": {"url": f"{base}/api/v1/categories"},
        "cart GET (anonymous, 2 lines)": {
            "url": f"{base}/api/v1/cart",
            "headers": {"X-Cart-Token": cart_token},
        },
    }


def _prepare(base: str, fixtures: dict) -> str:
    """Warm every detail entry in the cache; make an anonymous cart with two lines."""
    for pid in fixtures["detail_ids"]:
        _request(f"{base}/api/v1/products/{pid}")
    _, headers, _ = _request(f"{base}/api/v1/cart")
    token = headers["X-Cart-Token"]
    for variant_id in fixtures["stocked_variant_ids"][:2]:
        _request(
            f"{base}/api/v1/cart/items",
            method="POST",
            body={"variant_id": variant_id, "quantity": 1},
            headers={"X-Cart-Token": token},
        )
    return token


def _cart_add(base: str, fixtures: dict) -> dict:
    """`POST cart/items` {variant, quantity 1}: each client on its own anonymous cart (a token
    made here), cycling 20 variants that get +5000 units first (the catalog's copy told at
    once, as cart_race does), so no add is refused or pays the exact stock re-check."""
    from bench.cart_race import _stock_up

    stocked = fixtures["stocked_variant_ids"]
    pool = stocked[40:60] if len(stocked) >= 60 else stocked[:20]
    for variant_id in pool:
        _stock_up(variant_id, 5000)
    tokens = [_request(f"{base}/api/v1/cart")[1]["X-Cart-Token"] for _ in range(CONCURRENCY)]
    return {
        "url": f"{base}/api/v1/cart/items",
        "method": "POST",
        "bodies": [json.dumps({"variant_id": v, "quantity": 1}).encode() for v in pool],
        "client_headers": [{"X-Cart-Token": token} for token in tokens],
    }


def _measure(endpoints: dict, names, seconds: float, *, quiet: bool = False) -> dict:
    results = {}
    for name in names:
        result = run_spec(name, endpoints[name], concurrency=CONCURRENCY, seconds=seconds)
        if not quiet:
            print("  " + result.line(), flush=True)
        results[name] = result.as_dict()
    return results


def run(fixtures: dict, *, seconds: float, probe_seconds: float) -> dict:
    probe_names = ("bare", "detail (cached)", "list (default page)")
    probes = {}
    for workers, threads in CONFIGS:
        label = f"{workers} workers x {threads} threads"
        print(f"probe: {label} ({probe_seconds:.0f} s per endpoint)", flush=True)
        with gunicorn(workers, threads) as base:
            endpoints = _endpoints(base, fixtures, _prepare(base, fixtures))
            _measure(endpoints, probe_names, min(2.0, probe_seconds), quiet=True)  # warm
            figures = _measure(endpoints, probe_names, probe_seconds)
        score = math.exp(sum(math.log(max(f["rps"], 1e-9)) for f in figures.values()) / 3)
        probes[label] = {
            "workers": workers,
            "threads": threads,
            "score": round(score, 1),
            "rps": {n: round(f["rps"]) for n, f in figures.items()},
        }
    best = max(probes.values(), key=lambda p: p["score"])
    label = f"{best['workers']} workers x {best['threads']} threads"
    print(f"measured run with the best shape: {label} ({seconds:.0f} s per endpoint)", flush=True)
    with (
        gunicorn(best["workers"], best["threads"]) as base,
        minimal_gunicorn(best["workers"], best["threads"]) as minimal_base,
    ):
        endpoints = _endpoints(base, fixtures, _prepare(base, fixtures))
        endpoints[CART_ADD] = _cart_add(base, fixtures)
        endpoints[MINIMAL] = {"url": f"{minimal_base}{MINIMAL_PATH}"}
        _measure(endpoints, (*probe_names, MINIMAL), min(2.0, seconds), quiet=True)  # warm
        results, minimal_runs, over_minimal = {}, [], {}
        names = [n for n in endpoints if n != MINIMAL]
        minimal_runs.append(_measure(endpoints, [MINIMAL], seconds)[MINIMAL])
        for name in names:
            results.update(_measure(endpoints, [name], seconds))
            minimal_runs.append(_measure(endpoints, [MINIMAL], seconds)[MINIMAL])
            # The minimal bare view right before and right after this endpoint.
            around = (minimal_runs[-2]["rps"] + minimal_runs[-1]["rps"]) / 2
            over_minimal[name] = round(results[name]["rps"] / around, 3)
    rps = sorted(run["rps"] for run in minimal_runs)
    minimal = dict(sorted(minimal_runs, key=lambda run: run["rps"])[len(rps) // 2])
    minimal["rps_all_runs"] = [round(run["rps"]) for run in minimal_runs]
    results[MINIMAL] = minimal

    bare = results["bare"]["rps"]
    ratios = {
        "detail_over_bare": results["detail (cached)"]["rps"] / bare,
        "list_over_bare": results["list (default page)"]["rps"] / bare,
        "list_category_over_bare": results["list ?category=<root>&ordering=-price"]["rps"] / bare,
        "categories_over_bare": results["categories"]["rps"] / bare,
        "cart_get_over_bare": results["cart GET (anonymous, 2 lines)"]["rps"] / bare,
        "cart_add_over_bare": results[CART_ADD]["rps"] / bare,
    }
    ratios = {k: round(v, 3) for k, v in ratios.items()}
    ratios["shop_bare_over_minimal"] = over_minimal["bare"]
    p99_over = {n: r["p99_ms"] for n, r in results.items() if r["p99_ms"] >= TARGETS["p99_ms"]}
    verdict = {
        "detail_over_bare_meets_0.80": ratios["detail_over_bare"] >= TARGETS["detail_over_bare"],
        "list_over_bare_meets_0.50": ratios["list_over_bare"] >= TARGETS["list_over_bare"],
        "p99_under_50ms": not p99_over,
        "p99_over_50ms": p99_over,
    }
    minimal_verdict = {n: over_minimal[n] >= t for n, t in MINIMAL_TARGETS.items()}
    print("ratios to the shop's bare view: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    print(
        "ratios to the minimal-stack bare view: "
        + ", ".join(f"{k} {v:.2f}" for k, v in over_minimal.items())
    )
    print(
        "targets over minimal: "
        + ", ".join(
            f"{n} >= {t:.2f} {'met' if minimal_verdict[n] else 'MISSED'}"
            for n, t in MINIMAL_TARGETS.items()
        )
    )
    met = {True: "met", False: "MISSED"}
    print(
        f"targets: detail/bare >= 0.80 {met[verdict['detail_over_bare_meets_0.80']]}"
        f", list/bare >= 0.50 {met[verdict['list_over_bare_meets_0.50']]}"
        f", p99 < 50 ms {'met' if not p99_over else 'MISSED for ' + ', '.join(p99_over)}"
    )
    return {
        "concurrency": CONCURRENCY,
        "seconds_per_endpoint": seconds,
        "server": {
            "workers": best["workers"],
            "threads": best["threads"],
            "worker_class": "gthread" if best["threads"] > 1 else "sync",
            "chosen_from": probes,
        },
        "results": results,
        "ratios": ratios,
        "ratios_over_minimal": over_minimal,
        "minimal_bare": {
            "rps_median": round(minimal["rps"], 1),
            "rps_all_runs": minimal["rps_all_runs"],
            "stack": "bench/minimal (startproject middleware less sessions and messages)",
        },
        "targets": TARGETS,
        "targets_over_minimal": MINIMAL_TARGETS,
        "verdict": verdict,
        "verdict_over_minimal": minimal_verdict,
    }
