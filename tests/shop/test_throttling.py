"""Rates come from THROTTLE_RATES and the counters live in Redis (shared by every process)."""

from __future__ import annotations

import threading

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.test import APIClient

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


def test_concurrent_requests_are_all_counted(db, settings):
    """40 clients at once against a limit of 20: exactly 20 pass (no lost counts)."""
    settings.THROTTLE_RATES = {"anon": "20/min"}
    statuses = []
    barrier = threading.Barrier(40)

    def hit():
        client = APIClient()
        barrier.wait()
        statuses.append(client.get("/api/v1/ping").status_code)

    threads = [threading.Thread(target=hit) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 20 + [429] * 20


def test_with_redis_down_requests_are_not_throttled_nor_failed(db, api_client, settings):
    settings.THROTTLE_RATES = {"anon": "1/min"}
    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    assert [api_client.get("/api/v1/ping").status_code for _ in range(2)] == [200, 200]


def test_counters_live_beside_the_carts_so_a_cache_flush_does_not_reset_them(
    db, api_client, settings
):
    from django.core.cache import cache

    from shop.redis import redis_client

    settings.THROTTLE_RATES = {"anon": "1/min"}
    assert api_client.get("/api/v1/ping").status_code == 200
    cache.clear()
    assert api_client.get("/api/v1/ping").status_code == 429
    assert redis_client().keys("throttle:*")


@pytest.mark.parametrize(
    "raw",
    ["anon=ten/min", "anon=10", "anon", "anon=10/fortnight", "=10/min", "anon=0/min"],
)
def test_a_malformed_throttle_rates_refuses_to_start_with_one_line(raw):
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**os.environ, "THROTTLE_RATES": raw, "DJANGO_SETTINGS_MODULE": "shop.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("THROTTLE_RATES is malformed at"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_well_formed_throttle_rates_are_read_as_written():
    from shop.config import parse_throttle_rates

    assert parse_throttle_rates(" anon=100/min, user = 5/s ,login=10/hour,") == {
        "anon": "100/min",
        "user": "5/s",
        "login": "10/hour",
    }
    assert parse_throttle_rates("") == {}
