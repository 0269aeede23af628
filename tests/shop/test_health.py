from __future__ import annotations

import pytest


def test_live(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_every_service(db, client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgresql": "ok", "redis": "ok", "broker": "ok"}


@pytest.mark.parametrize(
    ("setting", "value", "name"),
    [
        ("REDIS_URL", "redis://127.0.0.1:1/0", "redis"),
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
