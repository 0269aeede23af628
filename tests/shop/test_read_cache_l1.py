"""The in-process L1 copy of the read cache (shop/read_cache.py): filled from Redis hits,
dropped in every process by the invalidation message, never refilled by a read that raced
an invalidation."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from apps.catalog.services import product_update
from shop import read_cache
from tests.catalog.factories import product_via_services

ROOT = Path(settings.BASE_DIR)
BOUND_SECONDS = 1.0  # the promise is ~100 ms; a generous bound on a shared, loaded machine


def _detail_key(product) -> str:
    return f"catalog:product:v3:{product.id}"


def _live() -> None:
    deadline = time.monotonic() + 10
    while not read_cache.l1_live():
        assert time.monotonic() < deadline, "the L1 listener did not subscribe"
        time.sleep(0.01)


def _warm(client, product) -> None:
    """Fill Redis (the first read), then this process's L1 (a Redis hit)."""
    _live()
    for _ in range(2):
        assert client.get(f"/api/v1/products/{product.id}").status_code == 200
    assert read_cache._l1.get(_detail_key(product)) is not None


def _price(client, product) -> str:
    return client.get(f"/api/v1/products/{product.id}").json()["price"]


@pytest.mark.django_db(transaction=True)
def test_a_commit_in_another_process_drops_the_entry_here_within_the_bound(api_client):
    product = product_via_services(sku="L1-PROC", base_price="30.00")
    _warm(api_client, product)
    db = connections["default"].settings_dict  # the suite's test database
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": "memory://",
    }
    code = (
        "import time, django; django.setup()\n"
        "from decimal import Decimal\n"
        "from apps.catalog.services import product_update\n"
        f"product_update(product_id='{product.id}', base_price=Decimal('31.00'))\n"
        "print(time.monotonic(), flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    committed_at = float(done.stdout.strip().splitlines()[-1])  # after its commit's message
    while read_cache._l1.get(_detail_key(product)) is not None:
        assert time.monotonic() - committed_at < BOUND_SECONDS, "the L1 entry outlived the bound"
        time.sleep(0.002)
    assert _price(api_client, product) == "31.00"


@pytest.mark.django_db(transaction=True)
def test_a_commit_in_another_thread_with_its_own_connection_is_seen_next(api_client):
    product = product_via_services(sku="L1-THREAD", base_price="20.00")
    _warm(api_client, product)

    def write():
        try:
            product_update(product_id=product.id, base_price=Decimal("21.00"))
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=30)
    assert read_cache._l1.get(_detail_key(product)) is None
    assert _price(api_client, product) == "21.00"


def test_a_read_that_raced_an_invalidation_is_not_copied():
    _live()
    epoch = read_cache._l1.epoch  # noted before a Redis GET ...
    read_cache._l1.drop(["some:entry"])  # ... an invalidation message arrives meanwhile ...
    read_cache._l1.put("some:entry", b"old", epoch)  # ... so the old value is not kept
    assert read_cache._l1.get("some:entry") is None
    read_cache._l1.put("some:entry", b"new", read_cache._l1.epoch)
    assert read_cache._l1.get("some:entry") == b"new"


def test_without_a_subscribed_listener_nothing_is_served_from_l1():
    l1 = read_cache._L1()
    l1.pid = os.getpid()  # this process, but no listener: never subscribed (or lost it)
    l1.put("other:entry", b"value", l1.epoch)
    assert l1.get("other:entry") is None
    l1.live = True
    l1.put("other:entry", b"value", l1.epoch)
    assert l1.get("other:entry") == b"value"
    l1._down()  # a lost connection: messages may have been missed, so all of it goes
    assert l1.get("other:entry") is None
