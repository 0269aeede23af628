"""PostgreSQL kills the connection of a request in the middle of its work
(`pg_terminate_backend`, as a failover or an operator would): the client gets one clean 503
`service_unavailable` in the error body, nothing is half-written, and the next request on
the same server process (a new connection) works, even with the same Idempotency-Key.

The request runs in a real gunicorn (one sync worker, so the next request meets the same
process and the same Django connection object). It is made to wait inside the checkout's
transaction: a second connection holds the stock row's lock, the checkout's
`SELECT … FOR UPDATE` waits on it, and that waiting backend is terminated.
"""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connections
from rest_framework_simplejwt.tokens import RefreshToken

from apps.cart.services import CartOwner, cart_get
from apps.inventory.models import Reservation, StockLevel
from apps.orders.models import Order, OrderLine
from shop.events.models import OutboxEvent
from tests.accounts.factories import UserFactory
from tests.orders.conftest import body
from tests.support.processes import process_env, start_gunicorn, stop, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def _connect() -> psycopg.Connection:
    db = connections["default"].settings_dict
    return psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )


def _post(base: str, path: str, token: str, key: str) -> tuple[int, dict]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body()),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": key,
            },
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def _waiting_backends(watcher: psycopg.Connection) -> list[int]:
    rows = watcher.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchall()
    return [pid for (pid,) in rows]


def test_a_request_whose_connection_is_killed_answers_503_and_the_next_one_works(
    make_variant, fill_cart
):
    user = UserFactory()
    token = str(RefreshToken.for_user(user).access_token)
    variant = make_variant(price="25.00", stock=5)
    fill_cart(user, (variant, 2))
    cart_before = cart_get(owner=CartOwner.for_user(user.id), promotions=False)
    events_before = OutboxEvent.objects.count()

    server, base = start_gunicorn(env=process_env(CELERY_BROKER_URL="memory://"))
    locker, watcher = _connect(), _connect()
    watcher.autocommit = True
    answer: dict = {}
    try:
        # Hold the stock row: the checkout's row lock waits for it, inside its transaction.
        locker.execute(
            f"SELECT id FROM {StockLevel._meta.db_table} WHERE variant_id = %s FOR UPDATE",
            [variant.id],
        )
        request = threading.Thread(
            target=lambda: answer.update(
                result=_post(base, "/api/v1/checkout", token, "killed-once")
            )
        )
        request.start()
        assert wait_until(lambda: len(_waiting_backends(watcher)) == 1, timeout=30)
        (backend,) = _waiting_backends(watcher)
        assert watcher.execute("SELECT pg_terminate_backend(%s)", [backend]).fetchone()[0]
        request.join(timeout=60)
        locker.rollback()  # the lock is free again

        status, error = answer["result"]
        assert status == 503, error
        assert error == {
            "error": {
                "code": "service_unavailable",
                "message": error["error"]["message"],
                "details": {},
            }
        }
        # Nothing half-written: no order, no line, no reservation, no event; stock and cart
        # as they were.
        assert not Order.objects.exists() and not OrderLine.objects.exists()
        assert not Reservation.objects.exists()
        assert OutboxEvent.objects.count() == events_before
        level = StockLevel.objects.get(variant_id=variant.id)
        assert (level.quantity, level.reserved) == (5, 0)
        cart = cart_get(owner=CartOwner.for_user(user.id), promotions=False)
        assert (cart.version, len(cart.lines)) == (cart_before.version, 1)

        # The next request, to the same worker process: a new connection; the same key works.
        status, placed = _post(base, "/api/v1/checkout", token, "killed-once")
        assert status == 201, placed
        assert placed["order"]["status"] == "confirmed"
        order = Order.objects.get()
        assert str(order.id) == placed["order"]["id"]
        assert [(line.variant_id, line.quantity) for line in order.lines.all()] == [(variant.id, 2)]
        level.refresh_from_db()
        assert (level.quantity, level.reserved) == (5, 2)
    finally:
        locker.close()
        watcher.close()
        stop(server)
