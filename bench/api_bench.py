"""`api`: every storefront read and cart write through HTTP, each against the bare Django view
measured by the same server in the same run.

One gunicorn (bench.settings: DEBUG off, no throttles; the shape of the `http` probe, or
`--workers/--threads`), 16 closed-loop keep-alive clients in two generator processes
(bench/load.py) on loopback, `seconds` per scenario after a warm pass. Scenarios:

- bare: `/bench/bare`, a Django view that returns a small JSON object (measured first and
  last; the yardstick is their mean, so drift on a shared machine shows);
- product list: page 20 with filters (`category=<root>&in_stock=true&ordering=-price`, pages
  1-5, and `brand=` + `ordering=name`), the list cache warm as in production;
- product detail (cached): 200 random active products, the detail cache warmed;
- category tree: `/api/v1/categories`;
- search with facets, query mix: `/api/v1/search?q=…` over 20 shop queries with filters and
  sorts (repeats hit the search answer cache, as a shop's popular queries do);
- search with facets, distinct queries: two-word queries built from product names, each sent
  once (the uncached path: full-text query and facet counts every time);
- suggest: `/api/v1/search/suggest?q=…` over name prefixes, most of them distinct;
- cart GET: an anonymous cart of 2 lines;
- cart add: `POST cart/items` (quantity 1), each client on its own anonymous cart, cycling
  20 variants with stock topped up;
- checkout preview: `POST checkout/preview` as 16 signed-in buyers with 2-line carts.

Each scenario reports req/s, p50/p95/p99, errors (any answer >= 400 or no answer) and the ratio
of its req/s to the bare view's. Full checkout and the flash sale are in checkout_bench.
"""

from __future__ import annotations

import json
import random
import secrets
import urllib.request
from urllib.parse import urlencode

from bench.common import CHECKOUT_BODY
from bench.load import run_spec
from bench.server import gunicorn

CONCURRENCY = 16
SEARCH_MIX = [
    {"q": "laptop"},
    {"q": "oxford shirt"},
    {"q": "headphones", "in_stock": "true"},
    {"q": "leather", "sort": "price_asc"},
    {"q": "northwind jacket"},
    {"q": "coffee maker"},
    {"q": "wool coat", "max_price": "200"},
    {"q": "trail runner"},
    {"q": "lapotp"},
    {"q": "hedphones"},
    {"q": "chelsea boot"},
    {"q": "merino"},
    {"q": "portable speaker", "min_price": "50"},
    {"q": "office chair", "sort": "rating"},
    {"q": "yoga mat"},
    {"q": "cast iron"},
    {"q": "backpack", "sort": "newest"},
    {"q": "mechanical keyboard", "page": "2"},
]
BODY = CHECKOUT_BODY


def _get(url: str, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers)


def _names(limit: int) -> list[list[str]]:
    from apps.catalog.models import Product

    names = Product.objects.filter(status="active").order_by("?").values_list("name", flat=True)
    return [[w.lower() for w in name.split() if w.isalpha()] for name in names[:limit]]


def _distinct_searches(names: list[list[str]], count: int, rng: random.Random) -> list[str]:
    """`count` different search URLs that find products: words and adjacent word pairs of
    real product names, with and without a sort or filter."""
    queries = sorted({w for ws in names for w in ws} | {
        f"{a} {b}" for ws in names for a, b in zip(ws, ws[1:], strict=False)
    })  # fmt: skip
    rng.shuffle(queries)
    variants = [{}, {"sort": "price_asc"}, {"in_stock": "true"}, {"sort": "rating"}]
    urls = [urlencode({"q": q, **v}) for v in variants for q in queries]
    return [f"/api/v1/search?{u}" for u in urls[:count]]


def _prepare(fixtures: dict, *, distinct: int) -> dict:
    """Carts, buyers and URLs, made in-process before any server starts."""
    from apps.cart.services import cart_line_add, cart_owner_resolve
    from bench.cart_race import _stock_up
    from bench.checkout_bench import _buyers, _fill

    rng = random.Random(7)
    stocked = fixtures["stocked_variant_ids"]
    pool = stocked[20:40] if len(stocked) >= 40 else stocked[:20]
    # The catalog's copy told at once (as cart_race does; the relay goes to an in-memory
    # broker nobody consumes here), or every add past the seeded copy pays the exact re-check.
    for variant_id in pool:
        _stock_up(variant_id, 5000)
    get_owner = cart_owner_resolve(user_id=None, token=None)
    for variant_id in stocked[:2]:
        cart_line_add(owner=get_owner, variant_id=variant_id, quantity=1)
    add_tokens = []
    for i in range(CONCURRENCY):
        owner = cart_owner_resolve(user_id=None, token=None)
        cart_line_add(owner=owner, variant_id=pool[i % len(pool)], quantity=1)
        add_tokens.append(owner.token)
    # A new name per run (not from the seeded rng), so the block runs again on the same data.
    buyers = _buyers(CONCURRENCY, f"preview-{secrets.token_hex(4)}")
    _fill(buyers, lambda i: [(pool[i % len(pool)], 1), (pool[(i * 7 + 3) % len(pool)], 2)])

    names = _names(4000)
    prefixes = sorted({w[: rng.randint(2, 5)] for ws in names for w in ws if len(w) >= 3})
    rng.shuffle(prefixes)
    root, brand = fixtures["root_category"], fixtures["brand"]
    list_urls = [
        f"/api/v1/products?category={root}&in_stock=true&ordering=-price&page_size=20&page={p}"
        for p in range(1, 6)
    ] + [f"/api/v1/products?brand={brand}&ordering=name&page_size=20"]
    return {
        "cart_get_token": get_owner.token,
        "cart_add_tokens": add_tokens,
        "cart_add_bodies": [json.dumps({"variant_id": v, "quantity": 1}).encode() for v in pool],
        "buyer_tokens": [token for _, token in buyers],
        "search_mix": [
            "/api/v1/search?" + urlencode({**spec, "category": root} if i == 7 else spec)
            for i, spec in enumerate(SEARCH_MIX)
        ],
        "search_distinct": _distinct_searches(names, distinct, rng),
        "suggest": [f"/api/v1/search/suggest?{urlencode({'q': p})}" for p in prefixes],
        "list": list_urls,
    }


def _scenarios(base: str, fixtures: dict, prepared: dict) -> dict[str, dict]:
    preview = json.dumps(BODY).encode()
    return {
        "product list (page 20, filters)": {"url": [base + u for u in prepared["list"]]},
        "product detail (cached)": {
            "url": [f"{base}/api/v1/products/{pid}" for pid in fixtures["detail_ids"]]
        },
        "category tree": {"url": f"{base}/api/v1/categories"},
        "search + facets (query mix)": {"url": [base + u for u in prepared["search_mix"]]},
        "search + facets (distinct queries)": {
            "url": [base + u for u in prepared["search_distinct"]],
            "warm": False,  # each query once: the uncached path
        },
        "suggest": {"url": [base + u for u in prepared["suggest"]], "warm": False},
        "cart GET (2 lines)": {
            "url": f"{base}/api/v1/cart",
            "headers": {"X-Cart-Token": prepared["cart_get_token"]},
        },
        "cart add (POST cart/items)": {
            "url": f"{base}/api/v1/cart/items",
            "method": "POST",
            "bodies": prepared["cart_add_bodies"],
            "client_headers": [{"X-Cart-Token": t} for t in prepared["cart_add_tokens"]],
            "warm": False,
        },
        "checkout preview": {
            "url": f"{base}/api/v1/checkout/preview",
            "method": "POST",
            "bodies": [preview],
            "client_headers": [{"Authorization": f"Bearer {t}"} for t in prepared["buyer_tokens"]],
        },
    }


def _load(name: str, spec: dict, seconds: float):
    return run_spec(name, spec, concurrency=CONCURRENCY, seconds=seconds)


def run(fixtures: dict, *, workers: int, threads: int, seconds: float) -> dict:
    distinct = int(seconds * 400)  # more than the server can answer in `seconds`: no repeats
    prepared = _prepare(fixtures, distinct=distinct)
    print(
        f"server {workers} workers x {threads} threads; {CONCURRENCY} clients, {seconds:.0f} s "
        f"per scenario; {len(prepared['search_distinct'])} distinct search queries, "
        f"{len(prepared['suggest'])} suggest prefixes",
        flush=True,
    )
    results: dict[str, dict] = {}
    with gunicorn(workers, threads, env={"PAYMENT_PROVIDER": "dummy"}) as base:
        for pid in fixtures["detail_ids"]:
            _get(f"{base}/api/v1/products/{pid}")  # the detail cache, as in production
        scenarios = _scenarios(base, fixtures, prepared)
        bare = {"url": f"{base}/bench/bare"}
        _load("warm", bare, min(2.0, seconds))  # every worker imported and connected
        first = _load("bare", bare, seconds)
        print("  " + first.line(), flush=True)
        for name, spec in scenarios.items():
            if spec.get("warm", True):
                _load("warm", spec, min(1.5, seconds))
            result = _load(name, spec, seconds)
            print("  " + result.line(), flush=True)
            results[name] = result.as_dict()
        last = _load("bare", bare, seconds)
        print("  " + last.line() + "  (bare again, last)", flush=True)
    bare_rps = (first.rps + last.rps) / 2
    results = {
        "bare": {**first.as_dict(), "rps": bare_rps, "first_rps": first.rps, "last_rps": last.rps},
        **results,
    }
    for result in results.values():
        result["over_bare"] = round(result["rps"] / bare_rps, 3) if bare_rps else None
    print(
        "ratios to bare: "
        + ", ".join(f"{n} {r['over_bare']:.2f}" for n, r in results.items() if n != "bare"),
        flush=True,
    )
    return {
        "server": {"workers": workers, "threads": threads},
        "concurrency": CONCURRENCY,
        "seconds_per_scenario": seconds,
        "bare_rps_first_last": [round(first.rps, 1), round(last.rps, 1)],
        "results": results,
    }
