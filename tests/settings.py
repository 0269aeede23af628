"""Settings of the test suite: the shop's own, with Redis on a database of the suite's own.

The suite flushes its Redis database before every test, so it must never be the one a
running shop keeps carts and cache in, whatever `REDIS_URL` says: the tests use
`TEST_REDIS_URL` when it is set, otherwise the server of `REDIS_URL` with database 15.
pytest-django exports `DJANGO_SETTINGS_MODULE=tests.settings`, so processes a test starts (a
gunicorn server, a Celery worker) inherit these settings and share the suite's Redis.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from shop.settings import *  # noqa: F403
from shop.settings import CACHES, REDIS_URL, env

TEST_REDIS_DB = 15


def _on_test_database(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{TEST_REDIS_DB}"))


REDIS_URL = env.str("TEST_REDIS_URL", default="") or _on_test_database(REDIS_URL)
CACHES["default"]["LOCATION"] = REDIS_URL
