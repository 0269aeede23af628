"""Settings of the test suite: the shop's own, with Redis on databases of the suite's own.

The suite flushes its Redis databases before every test, so they must never be the ones a
running shop keeps carts and cache in, whatever `REDIS_URL` says: the tests use
`TEST_REDIS_URL` when it is set, otherwise the server of `REDIS_URL`, with database 15 for
the cache and 14 for carts and throttles (CART_REDIS_URL, kept apart as in production).
pytest-django exports `DJANGO_SETTINGS_MODULE=tests.settings`, so processes a test starts (a
gunicorn server, a Celery worker) inherit these settings and share the suite's Redis.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from shop.settings import *  # noqa: F403
from shop.settings import CACHES, REDIS_URL, env

TEST_REDIS_DB = 15
TEST_CART_REDIS_DB = 14


def _on_database(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


_server = env.str("TEST_REDIS_URL", default="") or REDIS_URL
REDIS_URL = _on_database(_server, TEST_REDIS_DB)
CART_REDIS_URL = _on_database(_server, TEST_CART_REDIS_DB)
CACHES["default"]["LOCATION"] = REDIS_URL
