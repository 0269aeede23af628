"""`queries`: SQL queries per request of each catalog list/detail endpoint (and the cart),
at page_size 5 and 100, in-process with Django's test Client and CaptureQueriesContext.

The point is that the count is FIXED: it must not grow with the page (no N+1).
"""

from __future__ import annotations

from bench.common import django_setup


def _count(client, url: str, headers: dict | None = None) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers or {})
    return len(captured.captured_queries), response.status_code


def run(fixtures: dict) -> dict:
    django_setup()
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    root, leaf, brand = fixtures["root_category"], fixtures["leaf_category"], fixtures["brand"]
    lists = {
        "products (default ordering)": "/api/v1/products",
        "products ?category=<root>&ordering=-price": (
            f"/api/v1/products?category={root}&ordering=-price"
        ),
        "products ?brand=&in_stock=true&ordering=name": (
            f"/api/v1/products?brand={brand}&in_stock=true&ordering=name"
        ),
        "categories/{leaf}/products": f"/api/v1/categories/{leaf}/products",
        "products/{id}/reviews": f"/api/v1/products/{fixtures['detail_ids'][0]}/reviews",
    }
    rows: dict[str, dict] = {}
    for name, url in lists.items():
        sep = "&" if "?" in url else "?"
        client.get(url)  # warm: first-use queries (content types, …) are not the endpoint's
        counts = {}
        for size in (5, 100):
            counts[f"page_size={size}"], status = _count(client, f"{url}{sep}page_size={size}")
            assert status == 200, (url, status)
        counts["fixed"] = counts["page_size=5"] == counts["page_size=100"]
        rows[name] = counts

    # Detail: one product with few variants, one with the most; cold cache, then cached.
    for label, product_id in (
        ("products/{id} (fewest variants)", fixtures["fewest_variants_id"]),
        ("products/{id} (most variants)", fixtures["most_variants_id"]),
    ):
        cache.delete(f"catalog:product:v1:{product_id}")
        uncached, status = _count(client, f"/api/v1/products/{product_id}")
        assert status == 200, (product_id, status)
        cached, _ = _count(client, f"/api/v1/products/{product_id}")
        rows[label] = {
            "uncached": uncached,
            "cached": cached,
            "variants": fixtures["variant_counts"][product_id],
        }
    rows["categories (tree)"] = {"queries": _count(client, "/api/v1/categories")[0]}

    # The cart: 5 lines and 50 lines, priced at today's prices.
    from apps.cart import services as cart

    for lines in (5, 50):
        owner = cart.cart_owner_resolve(user_id=None, token=None)
        for variant_id in fixtures["stocked_variant_ids"][:lines]:
            cart.cart_line_add(owner=owner, variant_id=variant_id, quantity=1)
        n, status = _count(client, "/api/v1/cart", {"X-Cart-Token": owner.token})
        assert status == 200, status
        rows.setdefault("cart GET", {})[f"lines={lines}"] = n
        cart.cart_clear(owner=owner)
    rows["cart GET"]["fixed"] = rows["cart GET"]["lines=5"] == rows["cart GET"]["lines=50"]

    width = max(map(len, rows))
    for name, counts in rows.items():
        figures = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"{name:<{width}}  {figures}")
    return {"queries_per_request": rows}
