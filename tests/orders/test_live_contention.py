"""Checkouts racing through HTTP against a live gunicorn (several worker processes), on the
suite's own database: a flash sale is never oversold, losers get a 409 naming the variant,
nobody gets a 5xx, and opposite-order multi-line carts never deadlock.

The server is started by the test (bench/server.py) with the suite's settings and the TEST
database pytest-django created; the data it needs is committed first (transaction=True).
Worker processes × threads stay well under PostgreSQL's connection limit (100 on a fresh
machine): 4 × 4 = 16 server connections.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts.models import User
from apps.cart.services import CartOwner, cart_coupon_apply, cart_get
from apps.inventory.models import Reservation, StockLevel
from apps.inventory.services import stock_adjust, stock_reconcile, warehouse_create
from apps.orders.models import Order
from apps.promotions.models import Promotion
from bench.server import gunicorn
from tests.orders.conftest import CHECKOUT, body
from tests.promotions.factories import make_coupon

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS, THREADS = 4, 4

LIVE_KEY = "live-contention-test-only-key-x7Rq2LmZ9pW4vN8sK3tY6bH1cF5dG0jA"
LIVE_TOKENS = TokenBackend("HS256", signing_key=LIVE_KEY)


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def live_shop(shipping_methods):
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),  # the test database, not the development one
        "DEBUG": "0",
        # DEBUG=0 refuses the development key (shop/config.py): a test-only one of 50+ chars,
        # which also signs the buyers' tokens below.
        "SECRET_KEY": LIVE_KEY,
        "LOG_LEVEL": "WARNING",
        "THROTTLE_RATES": "anon=100000/min,user=100000/min,login=100000/min",
        # Outbox relays stay in the server's memory: nothing queued on the shared broker
        # (the events stay pending in the outbox table, which is all this test needs).
        "CELERY_BROKER_URL": "memory://",
    }
    with gunicorn(workers=WORKERS, threads=THREADS, env=env) as base:
        yield base


def _buyers(count: int) -> list[User]:
    users = User.objects.bulk_create(
        [User(email=f"buyer{i}@example.com", password="!") for i in range(count)]
    )
    return users


def _race(base: str, buyers: list[User]) -> list[tuple[int, dict]]:
    """Every buyer POSTs checkout on a connection of their own, released together."""
    parts = urlsplit(base)
    barrier = threading.Barrier(len(buyers))
    results: list[tuple[int, dict] | None] = [None] * len(buyers)
    payload = json.dumps(body())

    def buyer(index: int) -> None:
        token = LIVE_TOKENS.encode(AccessToken.for_user(buyers[index]).payload)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        try:
            barrier.wait(timeout=60)
            conn.request(
                "POST",
                CHECKOUT,
                body=payload,
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            response = conn.getresponse()
            raw = response.read()
            results[index] = (response.status, json.loads(raw) if raw else {})
        except Exception as exc:  # a dropped connection is a failure the test reports
            results[index] = (0, {"exception": repr(exc)})
        finally:
            conn.close()

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(len(buyers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def test_two_hundred_buyers_for_fifty_units_exactly_fifty_orders_no_5xx(
    live_shop, make_variant, fill_cart
):
    variant = make_variant(price="25.00", stock=25)
    east = warehouse_create(code="ORD-EAST", name="East", priority=200)
    stock_adjust(variant_id=variant.id, warehouse_id=east.id, delta=25, reason="flash sale")
    buyers = _buyers(200)
    for buyer in buyers:
        fill_cart(buyer, (variant, 1))

    results = _race(live_shop, buyers)

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 50, 409: 150}, (statuses, [r for r in results if r[0] >= 500][:3])
    for status, answer in results:
        if status == 409:
            assert answer["error"]["code"] == "insufficient_stock"
            assert answer["error"]["details"]["items"] == [
                {"variant_id": str(variant.id), "requested": 1, "available": 0}
            ]
        else:
            assert answer["order"]["status"] == "confirmed"
    assert Order.objects.filter(status="confirmed").count() == Order.objects.count() == 50
    assert len({a["order"]["order_number"] for s, a in results if s == 201}) == 50
    levels = StockLevel.objects.filter(variant_id=variant.id)
    assert sum(lv.quantity for lv in levels) == 50
    assert sum(lv.reserved for lv in levels) == 50
    assert all(0 <= lv.reserved <= lv.quantity for lv in levels)
    assert Reservation.objects.filter(status="pending").count() >= 50
    assert sum(r.quantity for r in Reservation.objects.filter(status="pending")) == 50
    assert stock_reconcile() == []
    # Winners' carts were cleared; losers' carts are as they were.
    winners = {a["order"]["user_id"] for s, a in results if s == 201}
    for buyer in buyers:
        cart = cart_get(owner=CartOwner.for_user(buyer.id))
        assert cart.is_empty == (str(buyer.id) in winners)


def test_multi_line_carts_in_opposite_orders_race_without_deadlock_or_5xx(
    live_shop, make_variant, fill_cart
):
    first, second = make_variant(price="10.00", stock=40), make_variant(price="12.00", stock=40)
    coupon = make_coupon("RACE", max_uses=1000)
    buyers = _buyers(60)
    for i, buyer in enumerate(buyers):
        # Lines in opposite orders: half the carts list `first` first, half `second`; every
        # cart has the same coupon, so each placement locks stock rows, then its row.
        lines = [(first, 1), (second, 1)] if i % 2 else [(second, 1), (first, 1)]
        fill_cart(buyer, *lines)
        cart_coupon_apply(owner=CartOwner.for_user(buyer.id), code="RACE")

    results = _race(live_shop, buyers)

    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {201, 409}, (
        statuses,
        [r for r in results if r[0] not in (201, 409)][:3],
    )
    assert statuses[201] == 40  # 40 units of each: 40 whole orders, the rest refused
    for status, answer in results:
        if status == 409:
            assert answer["error"]["code"] == "insufficient_stock"
    for variant in (first, second):
        level = StockLevel.objects.get(variant_id=variant.id)
        assert (level.quantity, level.reserved) == (40, 40)
    assert Order.objects.count() == 40
    assert Promotion.objects.get(id=coupon.id).current_uses == 40
    assert all(o.discount > 0 for o in Order.objects.all())
    assert stock_reconcile() == []
