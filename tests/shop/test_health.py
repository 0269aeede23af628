from __future__ import annotations

import pytest
from django.test import Client


def test_live(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_every_service(db, client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "postgresql": "ok",
        "redis": "ok",
        "cart_redis": "ok",
        "broker": "ok",
    }


@pytest.mark.parametrize(
    ("setting", "value", "name"),
    [
        ("REDIS_URL", "redis://127.0.0.1:1/0", "redis"),
        ("CART_REDIS_URL", "redis://127.0.0.1:1/0", "cart_redis"),
        ("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:1//", "broker"),
    ],
)
def test_ready_names_the_failing_service(db, client, settings, setting, value, name):
    setattr(settings, setting, value)
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert list(body["error"]["details"]) == [name]
    assert name in body["error"]["message"]


DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_ready_tells_anonymous_clients_no_exception_text(db, client, settings):
    settings.REDIS_URL = DEAD_REDIS
    settings.HEALTH_DETAILS = False
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["error"]["details"] == {"redis": "unreachable"}
    # Nothing of the exception (its class, the refused port) reaches the client.
    assert b"Error" not in response.content and b"127.0.0.1" not in response.content


def test_ready_shows_the_exception_text_to_staff_and_with_the_setting(
    db, client, settings, staff_user, user
):
    from tests.conftest import bearer_client

    settings.REDIS_URL = DEAD_REDIS
    settings.HEALTH_DETAILS = False
    detail = bearer_client(staff_user).get("/health/ready").json()["error"]["details"]["redis"]
    assert detail.startswith("ConnectionError"), detail
    client.force_login(staff_user)  # a staff admin session counts too
    assert client.get("/health/ready").json()["error"]["details"]["redis"] == detail
    customer = bearer_client(user).get("/health/ready").json()["error"]["details"]
    assert customer == {"redis": "unreachable"}
    settings.HEALTH_DETAILS = True
    assert Client().get("/health/ready").json()["error"]["details"]["redis"] == detail


def test_metrics_are_prometheus_text(db, client):
    client.get("/health/live")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content


def test_schema_and_docs_are_served(db, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # The Swagger UI comes from this server (no CDN: the docs work offline).
    assert b'src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"' in (
        docs.content
    )


def _preflight(*args: str, database: str):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}"}
    return subprocess.run(
        [sys.executable, "manage.py", "preflight", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_preflight_for_the_tests_needs_the_server_not_the_development_database():
    # A new machine has only PostgreSQL's default databases: `make test` must still start.
    absent = "absent_dev_db_for_preflight"
    assert _preflight("--server-only", database=absent).returncode == 0
    plain = _preflight(database=absent)
    assert plain.returncode == 1
    assert plain.stderr.startswith("postgresql is not reachable")
    assert "DATABASE_URL" in plain.stderr
