"""Liveness, readiness (PostgreSQL, Redis, broker) and the one-line service checks."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def server_connect():
    """A psycopg connection (autocommit) to the PostgreSQL server of DATABASE_URL, on its
    `postgres` maintenance database: it works before the shop's own database exists."""
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        connect_timeout=3,
        autocommit=True,
    )


def check_database_server() -> None:
    with server_connect() as conn:
        conn.execute("SELECT 1")


def check_redis() -> None:
    from shop.redis import cache_redis_client

    cache_redis_client().ping()


def check_cart_redis() -> None:
    from shop.redis import redis_client

    redis_client().ping()


def check_broker() -> None:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


# name, the variable that configures it, the check
SERVICES: list[tuple[str, str, Callable[[], None]]] = [
    ("postgresql", "DATABASE_URL", check_database),
    ("redis", "REDIS_URL", check_redis),
    ("cart_redis", "CART_REDIS_URL", check_cart_redis),
    ("broker", "CELERY_BROKER_URL", check_broker),
]


def failing_services() -> dict[str, str]:
    failures = {}
    for name, _variable, check in SERVICES:
        try:
            check()
        except Exception as exc:
            failures[name] = f"{exc.__class__.__name__}: {exc}".splitlines()[0][:200]
    return failures


@require_GET
def live(request):
    return JsonResponse({"status": "ok"})


def _may_see_details(request) -> bool:
    """Exception texts name hosts, ports and versions: only for HEALTH_DETAILS, a staff
    session (admin) or a staff bearer token. The API's authenticators are read from DRF's
    settings, so this module imports no app."""
    if settings.HEALTH_DETAILS:
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_staff:
        return True
    if "HTTP_AUTHORIZATION" not in request.META:
        return False
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    drf_request = Request(
        request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        return bool(drf_request.user and drf_request.user.is_staff)
    except Exception:
        return False  # a bad token (or a database that is down) sees no details


@require_GET
def ready(request):
    failures = failing_services()
    if failures:
        if not _may_see_details(request):
            failures = dict.fromkeys(failures, "unreachable")
        body = {
            "status": "unavailable",
            "error": {
                "code": "service_unavailable",
                "message": "Not ready: " + ", ".join(sorted(failures)) + " unreachable.",
                "details": failures,
            },
        }
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": {name: "ok" for name, _, _ in SERVICES}})
