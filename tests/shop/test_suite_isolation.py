"""The suite never touches a running shop's data: its own database and Redis database."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection

from shop.redis import cache_redis_client, redis_client
from tests.settings import TEST_CART_REDIS_DB, TEST_REDIS_DB


def test_the_suite_flushes_only_redis_databases_of_its_own():
    assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL
    cache = get_redis_connection("default").connection_pool.connection_kwargs
    assert cache["db"] == cache_redis_client().connection_pool.connection_kwargs["db"]
    assert cache["db"] == TEST_REDIS_DB
    # Carts and throttles on a database of their own, as in production, on the same server.
    carts = redis_client().connection_pool.connection_kwargs
    assert carts["db"] == TEST_CART_REDIS_DB
    assert (carts["host"], carts["port"]) == (cache["host"], cache["port"])


def test_the_suite_runs_on_a_database_of_its_own(db):
    assert connection.settings_dict["NAME"].startswith("test_")
