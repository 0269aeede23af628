"""Rates come from THROTTLE_RATES and the counters live in Redis (shared by every process)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from tests.conftest import bearer_client


@api_view(["GET"])
def ping(request):
    return Response({"ok": True})


urlpatterns = [path("api/v1/ping", ping)]


@pytest.fixture(autouse=True)
def _urls():
    with override_settings(ROOT_URLCONF=__name__):
        yield


def test_anonymous_clients_are_throttled_at_the_configured_rate(db, api_client, settings):
    settings.THROTTLE_RATES = {"anon": "3/min", "user": "100/min"}
    assert [api_client.get("/api/v1/ping").status_code for _ in range(3)] == [200, 200, 200]
    response = api_client.get("/api/v1/ping")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_signed_in_users_have_their_own_budget(db, api_client, user, settings):
    settings.THROTTLE_RATES = {"anon": "1/min", "user": "2/min"}
    assert api_client.get("/api/v1/ping").status_code == 200
    assert api_client.get("/api/v1/ping").status_code == 429
    client = bearer_client(user)
    assert [client.get("/api/v1/ping").status_code for _ in range(3)] == [200, 200, 429]


def test_counters_are_kept_in_redis(db, api_client, settings):
    from django.core.cache import cache

    settings.THROTTLE_RATES = {"anon": "1/min"}
    api_client.get("/api/v1/ping")
    assert cache.keys("throttle_anon_*")
    cache.clear()  # a fresh Redis (or another process reading it) sees the same counters
    assert api_client.get("/api/v1/ping").status_code == 200


def test_with_redis_down_requests_are_not_throttled_nor_failed(db, api_client, settings):
    settings.THROTTLE_RATES = {"anon": "1/min"}
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    assert [api_client.get("/api/v1/ping").status_code for _ in range(2)] == [200, 200]
