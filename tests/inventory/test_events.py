"""reservation.expired reaches its handlers through the outbox and a real worker: a handler
that fails is retried, and its effect happens exactly once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.inventory import services
from apps.inventory.signals import RESERVATION_EXPIRED
from shop import events
from shop.events.models import HandledEvent, OutboxEvent
from tests.catalog.factories import VariantFactory
from tests.inventory.factories import WarehouseFactory
from tests.support.broker import (
    real_broker_queue,  # noqa: F401 (a fixture)
    running_worker,
    wait_until,
)

watched: set[str] = set()
attempts: list[uuid.UUID] = []
failures_left = {"n": 0}
lock = threading.Lock()


@events.handler(RESERVATION_EXPIRED)
def cancel_unpaid_order(event_id, payload):
    """Stands in for the orders app's receiver: its effect is a write (an event of its own),
    so a failed attempt's effect is rolled back with the attempt."""
    if payload["order_id"] not in watched:
        return  # another test's order
    with lock:
        attempts.append(event_id)
    events.publish("test.order_cancelled", {"order_id": payload["order_id"]})
    if failures_left["n"] > 0:
        failures_left["n"] -= 1
        raise RuntimeError("the payment provider timed out")


@pytest.mark.django_db(transaction=True)
def test_a_failing_expired_reservation_handler_is_retried_and_its_effect_happens_once(
    real_broker_queue,  # noqa: F811
):
    variant = VariantFactory()
    main = WarehouseFactory(code="MAIN")
    services.stock_adjust(variant_id=variant.id, warehouse_id=main.id, delta=5)
    order_id = uuid.uuid4()
    watched.add(str(order_id))
    failures_left["n"] = 1
    services.reservation_create(order_id=order_id, lines=[(variant.id, 2)], ttl_seconds=1)

    with running_worker(real_broker_queue):
        assert services.reservations_expire(now=timezone.now() + timedelta(seconds=5)) == 1
        expired = OutboxEvent.objects.get(name=RESERVATION_EXPIRED)
        # First attempt fails, the task retries after its backoff (2 s), the second applies.
        assert wait_until(
            lambda: OutboxEvent.objects.get(id=expired.id).status == OutboxEvent.Status.DONE,
            timeout=30,
        )
    expired.refresh_from_db()
    assert attempts == [expired.id, expired.id]
    assert expired.attempts == 2 and expired.last_error == ""
    assert OutboxEvent.objects.filter(name="test.order_cancelled").count() == 1
    handler = f"{cancel_unpaid_order.__module__}.{cancel_unpaid_order.__qualname__}"
    assert HandledEvent.objects.filter(event=expired, handler=handler).count() == 1
    assert services.availability([variant.id]) == {variant.id: 5}
