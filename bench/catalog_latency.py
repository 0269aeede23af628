"""Catalog read latency at the size of the seeded database (not a test; run by hand).

    DATABASE_URL=... REDIS_URL=... python bench/catalog_latency.py [--requests 60]

Uses Django's test Client in-process (no network, no server left running): the numbers are
the Django + PostgreSQL + Redis cost of each request. Prints p50/p95/max in ms and saves them
to bench/results/catalog_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from apps.catalog.models import Category, Product  # noqa: E402


def measure(client: Client, url: str, n: int, before=None) -> dict[str, float]:
    timings = []
    for _ in range(n):
        if before:
            before()
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "requests": n,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    n = parser.parse_args().requests
    settings.THROTTLE_RATES = {}  # measure the catalog, not the rate limiter
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    products = Product.objects.count()
    root = Category.objects.filter(level=0).order_by("path").first()
    sample = Product.objects.filter(status="active").order_by("-created_at")[500]
    detail = f"/api/v1/products/{sample.id}"
    client.get("/api/v1/products")  # warm up connections and imports
    cases = {
        "list default (page 1, 20)": "/api/v1/products",
        "list page_size=100": "/api/v1/products?page_size=100",
        "list page 200": "/api/v1/products?page=200",
        "list ordering=price": "/api/v1/products?ordering=price",
        "list ordering=-rating": "/api/v1/products?ordering=-rating",
        "list ordering=name": "/api/v1/products?ordering=name",
        "list category(root)+price range+ordering=-price": (
            f"/api/v1/products?category={root.id}&min_price=20&max_price=200&ordering=-price"
        ),
        "list brand+in_stock=false": (f"/api/v1/products?brand={sample.brand_id}&in_stock=false"),
        "categories tree": "/api/v1/categories",
    }
    results = {name: measure(client, url, n) for name, url in cases.items()}
    results["detail uncached"] = measure(client, detail, n, before=cache.clear)
    client.get(detail)
    results["detail cached"] = measure(client, detail, n * 5)
    report = {"products": products, "results": results}
    width = max(map(len, results))
    print(f"{products} products")
    for name, figures in results.items():
        print(f"{name:<{width}}  p50 {figures['p50_ms']:>7} ms  p95 {figures['p95_ms']:>7} ms")
    out = ROOT / "bench" / "results" / "catalog_latency.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
