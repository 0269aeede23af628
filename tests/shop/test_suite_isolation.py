"""The suite never touches a running shop's data: its own database and Redis database."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from shop.redis import redis_client
from tests.settings import TEST_REDIS_DB


def test_the_suite_flushes_only_a_redis_database_of_its_own():
    assert redis_client().connection_pool.connection_kwargs["db"] == TEST_REDIS_DB
    assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL


def test_the_suite_runs_on_a_database_of_its_own(db):
    assert connection.settings_dict["NAME"].startswith("test_")
