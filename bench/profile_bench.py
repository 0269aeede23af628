"""`profile`: where a request's time goes, in-process (Django test Client, no network).

1. cProfile over N requests per endpoint: inclusive ms per request spent in the middleware
   chain, URL resolving + view, DRF's initial() (auth, permissions, throttles), serializers,
   the renderer, the cache and the database (cursor execute), plus the top functions.
2. Middleware ablation on the bare view: the request time with the full MIDDLEWARE, then
   without each one in turn (override_settings in this process only; no app code changes).
Profiler overhead inflates the absolute numbers; the shares are what to read.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time

from bench.common import django_setup

# (label, path fragment of the file, function name); inclusive ("cumulative") time.
BUCKETS = (
    ("request total (handler)", "django/core/handlers/base.py", "get_response"),
    ("view incl. URL resolve (no middleware)", "django/core/handlers/base.py", "_get_response"),
    ("DRF initial(): auth, permissions, throttles", "rest_framework/views.py", "initial"),
    ("DRF finalize_response + content negotiation", "rest_framework/views.py", "finalize_response"),
    ("serializers to_representation", "rest_framework/serializers.py", "to_representation"),
    ("JSON renderer", "rest_framework/renderers.py", "render"),
    ("cache get (django-redis)", "django_redis/cache.py", "get"),
    ("read cache get (Redis or L1)", "shop/read_cache.py", "cache_get"),
    ("read cache get_many (Redis or L1)", "shop/read_cache.py", "cache_get_many"),
    ("cart Redis (scripts, HGETALL)", "redis/client.py", "execute_command"),
    ("database (cursor execute)", "django/db/backends/utils.py", "_execute"),
    ("pagination count()", "django/db/models/query.py", "count"),
    ("request metrics middleware", "shop/metrics.py", "__call__"),
    ("request context (log) middleware", "shop/logging.py", "__call__"),
    ("sessions only where used", "shop/middleware.py", "__call__"),
)


BUDGET_SECONDS = 8.0  # per loop: slow endpoints stop before `n` requests


def _loop(client, url: str, n: int, headers: dict | None = None) -> int:
    deadline = time.perf_counter() + BUDGET_SECONDS
    done = 0
    while done < n and (done < 5 or time.perf_counter() < deadline):
        response = client.get(url, headers=headers or {})
        done += 1
    assert response.status_code == 200, (url, response.status_code)
    return done


def _timed(client, url: str, n: int, headers: dict | None = None) -> float:
    started = time.perf_counter()
    done = _loop(client, url, n, headers)
    return (time.perf_counter() - started) * 1000 / done


def _profile(client, url: str, n: int, headers: dict | None = None) -> dict:
    profiler = cProfile.Profile()
    profiler.enable()
    n = _loop(client, url, n, headers)
    profiler.disable()
    stats = pstats.Stats(profiler)
    buckets: dict[str, float] = {}
    for label, fragment, name in BUCKETS:
        best = 0.0
        for (filename, _, funcname), (_, _, _, cumulative, _) in stats.stats.items():
            if funcname == name and filename.replace("\\", "/").endswith(fragment):
                best = max(best, cumulative)
        buckets[label] = round(best * 1000 / n, 3)
    total = buckets["request total (handler)"]
    buckets["middleware chain (total - view)"] = round(
        total - buckets["view incl. URL resolve (no middleware)"], 3
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    top = [
        line.strip()
        for line in out.getvalue().splitlines()
        if line.strip() and line.strip()[0].isdigit()
    ][:12]
    return {"requests_profiled": n, "ms_per_request_profiled": buckets, "top_tottime": top}


def _best_of(client, url: str, n: int, repeats: int = 3) -> float:
    return min(_timed(client, url, n) for _ in range(repeats))


def _ablation(n: int) -> dict:
    import logging

    from django.conf import settings
    from django.test import Client, override_settings

    full = list(settings.MIDDLEWARE)
    url = "/bench/bare"
    client = Client()
    client.get(url)
    baseline = _best_of(client, url, n)
    rows = {"all middleware": round(baseline, 3)}
    with override_settings(MIDDLEWARE=[]):
        client = Client()
        client.get(url)
        rows["no middleware"] = round(_best_of(client, url, n), 3)
    sessions = [m for m in full if m.split(".")[2] in ("sessions", "auth", "messages")]
    groups = [[name] for name in full] + ([sessions] if sessions else [])
    for group in groups:
        label = "without " + "+".join(name.rsplit(".", 1)[-1] for name in group)
        with override_settings(MIDDLEWARE=[m for m in full if m not in group]):
            client = Client()
            logging.disable(logging.CRITICAL)
            try:
                client.get(url)
            except Exception as exc:  # e.g. auth needs sessions: only removable together
                rows[label] = f"n/a ({exc.__class__.__name__})"
                continue
            finally:
                logging.disable(logging.NOTSET)
            rows[label] = round(_best_of(client, url, n), 3)
    costs = {
        k.removeprefix("without "): round(baseline - v, 3)
        for k, v in rows.items()
        if k.startswith("without ") and isinstance(v, float)
    }
    return {"ms_per_request": rows, "cost_ms_per_middleware": costs}


def run(fixtures: dict, *, requests: int) -> dict:
    django_setup()
    from django.test import Client

    client = Client()
    detail = f"/api/v1/products/{fixtures['detail_ids'][0]}"
    endpoints = {
        "bare": "/bench/bare",
        "detail (cached)": detail,
        "list (default page)": "/api/v1/products",
        "categories": "/api/v1/categories",
        "cart GET (2 lines)": "/api/v1/cart",
    }
    from apps.cart import services as cart

    owner = cart.cart_owner_resolve(user_id=None, token=None)
    for variant_id in fixtures["stocked_variant_ids"][2:4]:
        cart.cart_line_add(owner=owner, variant_id=variant_id, quantity=1)
    result = {"requests": requests, "budget_seconds_per_loop": BUDGET_SECONDS, "endpoints": {}}
    for name, url in endpoints.items():
        headers = {"X-Cart-Token": owner.token} if url.endswith("/cart") else None
        for _ in range(5):
            client.get(url, headers=headers or {})  # warm (and fill the detail cache)
        wall = _timed(client, url, requests, headers)
        profiled = _profile(client, url, requests, headers)
        result["endpoints"][name] = {"ms_per_request_unprofiled": round(wall, 3), **profiled}
        buckets = profiled["ms_per_request_profiled"]
        shown = ", ".join(f"{k} {v:.2f}" for k, v in buckets.items() if v)
        print(f"{name}: {wall:.2f} ms/request unprofiled; profiled ms: {shown}", flush=True)
    result["middleware_ablation_bare"] = _ablation(requests * 2)
    costs = result["middleware_ablation_bare"]["cost_ms_per_middleware"]
    rows = result["middleware_ablation_bare"]["ms_per_request"]
    print(
        f"bare view: {rows['all middleware']:.3f} ms with all middleware, "
        f"{rows['no middleware']:.3f} ms with none; cost per middleware (ms): "
        + ", ".join(f"{k} {v:.3f}" for k, v in sorted(costs.items(), key=lambda kv: -kv[1])),
        flush=True,
    )
    return result
