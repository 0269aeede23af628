"""`queries`: SQL queries per request of every endpoint the benchmarks load, in-process with
Django's test Client and CaptureQueriesContext, on the same seeded catalog.

Catalog lists at page_size 5 and 100, detail cold and cached, the category tree, the cart
with 5 and 50 lines: the point is that the count is FIXED (no N+1). Then search with facets
and suggest (uncached and cached), cart add, checkout preview, and a checkout of 5 lines with
a coupon (the pinned budget: at most 25, transaction control counted apart; its outbox
relays go to the in-memory broker of this process).
"""

from __future__ import annotations

from bench.common import django_setup

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _count(client, url: str, headers: dict | None = None) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers or {})
    return len(captured.captured_queries), response.status_code


def _post_count(client, url: str, body: dict, headers: dict) -> tuple[int, list[str], int]:
    """(queries without transaction control, every statement, status) of one POST."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, body, content_type="application/json", headers=headers)
    statements = [q["sql"] for q in captured.captured_queries]
    data = [sql for sql in statements if not sql.startswith(TRANSACTION_CONTROL)]
    return len(data), statements, response.status_code


def _writes(client, fixtures: dict) -> dict[str, dict]:
    """Search, suggest, cart add, checkout preview and a 5-line checkout with a coupon."""
    import uuid
    from decimal import Decimal

    from django.core.cache import cache

    from apps.cart import services as cart
    from apps.promotions.services import promotion_create
    from bench.api_bench import BODY
    from bench.checkout_bench import _buyers, _top_up

    rows: dict[str, dict] = {}
    for label, url in (
        ("search ?q= (facets)", "/api/v1/search?q=leather&sort=price_asc"),
        ("search/suggest", "/api/v1/search/suggest?q=lap"),
    ):
        cache.clear()
        uncached, status = _count(client, url)
        assert status == 200, (url, status)
        cached, _ = _count(client, url)
        rows[label] = {"uncached": uncached, "cached": cached}

    variants = fixtures["stocked_variant_ids"][:5]
    _top_up(variants, units=20)
    owner = cart.cart_owner_resolve(user_id=None, token=None)
    cart.cart_line_add(owner=owner, variant_id=variants[0], quantity=1)
    n, _, status = _post_count(
        client,
        "/api/v1/cart/items",
        {"variant_id": variants[1], "quantity": 1},
        {"X-Cart-Token": owner.token},
    )
    assert status == 201, status
    rows["cart items POST (2nd line)"] = {"queries": n}
    cart.cart_clear(owner=owner)

    run = uuid.uuid4().hex[:8]
    [(user_id, token)] = _buyers(1, f"queries-{run}")
    code = f"BENCH{run.upper()}"
    promotion_create(name="Bench coupon", type="percentage", value=Decimal("10"), code=code)
    buyer = cart.CartOwner.for_user(user_id)
    for variant_id in variants:
        cart.cart_line_add(owner=buyer, variant_id=variant_id, quantity=2)
    cart.cart_coupon_apply(owner=buyer, code=code)
    auth = {"Authorization": f"Bearer {token}"}
    n, _, status = _post_count(client, "/api/v1/checkout/preview", BODY, auth)
    assert status == 200, status
    rows["checkout/preview (5 lines + coupon)"] = {"queries": n}
    n, statements, status = _post_count(
        client, "/api/v1/checkout", BODY, {**auth, "Idempotency-Key": f"queries-{run}"}
    )
    assert status == 201, status
    # The seeded catalog has automatic promotions: one may apply beside the coupon, and each
    # applied promotion records its own use (tests/orders/test_query_budget.py pins 25 for
    # a coupon alone).
    applied = sum('UPDATE "promotions_promotion" SET "current_uses"' in sql for sql in statements)
    rows["checkout (5 lines + coupon)"] = {
        "queries": n,
        "statements_with_transaction_control": len(statements),
        "promotions_applied": applied,
        "pinned_budget_coupon_only": 25,
    }
    return rows


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
        counts["cached"] = _count(client, f"{url}{sep}page_size=5")[0]
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
    rows.update(_writes(client, fixtures))

    width = max(map(len, rows))
    for name, counts in rows.items():
        figures = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"{name:<{width}}  {figures}")
    return {"queries_per_request": rows}
