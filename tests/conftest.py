"""Fixtures shared by every test: real PostgreSQL, Redis and RabbitMQ, nothing faked.

Celery runs tasks eagerly (in the calling process) unless a test starts a real worker; the
outbox tests that need the broker do so explicitly.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from shop.celery import app as celery_app
from tests.accounts.factories import UserFactory

UNTHROTTLED = {"anon": "100000/min", "user": "100000/min", "login": "100000/min"}


def pytest_sessionstart(session):
    from shop.health import SERVICES

    for name, variable, check in SERVICES:
        if name == "postgresql":
            continue  # pytest-django reports a missing database itself, in one line
        try:
            check()
        except Exception as exc:
            pytest.exit(
                f"{name} is not reachable ({exc}); start it or set {variable}", returncode=3
            )


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _clean_redis_and_rates(settings):
    from django.core.cache import cache

    from shop.read_cache import l1_clear
    from shop.redis import redis_client

    redis_client().flushdb()
    cache.clear()
    l1_clear()  # the in-process copy of the cache (a FLUSHDB sends no invalidation)
    settings.THROTTLE_RATES = dict(UNTHROTTLED)
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def user_client(user) -> APIClient:
    return bearer_client(user)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return bearer_client(staff_user)
