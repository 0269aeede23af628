"""RabbitMQ unreachable during checkout and payment: both answer as usual (201, 200), the
events wait in the outbox, and once the broker is back the sweep relays them to a real worker:
the order becomes paid, the confirmation email is sent once, every event is handled, nothing
is lost and nothing is done twice."""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from django.core import mail
from django.utils import timezone

from apps.orders.models import Order
from shop.celery import app as celery_app
from shop.events.models import HandledEvent, OutboxEvent
from shop.events.outbox import events_sweep
from shop.events.registry import handled_event_names
from tests.accounts.factories import UserFactory
from tests.conftest import bearer_client
from tests.orders.conftest import body
from tests.support.broker import (
    broker_unreachable,
    real_broker_queue,  # noqa: F401 (a fixture)
    wait_until,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

API = "/api/v1"
EMAIL_QUEUE = "email"  # order emails are routed by their task (queue="email")


@contextlib.contextmanager
def _worker(*queues: str):
    """A real worker in a thread on the broker, consuming the test's events queue and the
    email queue (emptied first: this vhost is the test's own, nothing else waits there)."""
    with celery_app.connection_for_write() as conn:
        email = celery_app.amqp.queues[EMAIL_QUEUE](conn.default_channel)
        email.declare()
        email.purge()
    with start_worker(celery_app, queues=list(queues), perform_ping_check=False) as worker:
        yield worker
        worker_state.should_terminate = 0
        for queue in queues:
            celery_app.send_task("shop.wake-up", queue=queue)


def test_with_the_broker_down_checkout_answers_201_and_its_events_and_email_follow_once(
    real_broker_queue,  # noqa: F811
    make_variant,
    fill_cart,
):
    user = UserFactory(email="buyer@example.com")
    client = bearer_client(user)
    variant = make_variant(price="30.00", stock=5)
    fill_cart(user, (variant, 2))
    before = set(OutboxEvent.objects.values_list("id", flat=True))

    with broker_unreachable():
        placed = client.post(
            f"{API}/checkout", body(), format="json", HTTP_IDEMPOTENCY_KEY="broker-down"
        )
        assert placed.status_code == 201, placed.content
        intent = placed.json()["payment"]["intent_id"]
        paid = client.post(f"{API}/payments/dummy/{intent}/succeed")
        assert paid.status_code == 200, paid.content
        replay = client.post(
            f"{API}/checkout", body(), format="json", HTTP_IDEMPOTENCY_KEY="broker-down"
        )
        assert replay.status_code == 201 and replay.json() == placed.json()

    order = Order.objects.get()
    assert order.status == "confirmed"  # paid follows from the payment.succeeded event
    assert mail.outbox == []
    written = OutboxEvent.objects.exclude(id__in=before)
    # What no handler wants (order.confirmed) is written done: nothing to deliver.
    unhandled = written.exclude(name__in=handled_event_names())
    assert set(unhandled.values_list("status", flat=True)) <= {"done"}
    waiting = written.filter(name__in=handled_event_names())
    assert waiting.exists()
    assert not waiting.exclude(status="pending").exists()
    assert not waiting.filter(sent_at__isnull=False).exists()  # left for the sweep
    names = sorted(waiting.values_list("name", flat=True))
    assert "payment.succeeded" in names, names

    with _worker(real_broker_queue, EMAIL_QUEUE):
        assert events_sweep(now=timezone.now() + timedelta(minutes=1)) == len(names)

        def settled() -> bool:
            order.refresh_from_db()
            new = OutboxEvent.objects.exclude(id__in=before)
            return (
                order.status == "paid"
                and len(mail.outbox) >= 1
                and not new.exclude(status="done").exists()
            )

        assert wait_until(settled, timeout=60), (
            order.status,
            list(OutboxEvent.objects.values_list("name", "status", "last_error")),
            mail.outbox,
        )
        # The beat's next sweeps find nothing left: nothing is sent twice.
        assert events_sweep(now=timezone.now() + timedelta(minutes=20)) == 0
        time.sleep(1)

    handled = OutboxEvent.objects.exclude(id__in=before)
    assert set(handled.values_list("status", flat=True)) == {"done"}
    assert {"payment.succeeded", "order.paid"} <= set(handled.values_list("name", flat=True))
    # Each handler applied each event once.
    marks = list(HandledEvent.objects.values_list("event_id", "handler"))
    assert len(marks) == len(set(marks))
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    (message,) = mail.outbox
    assert message.to == ["buyer@example.com"] and order.order_number in message.subject
    assert Order.objects.count() == 1  # the replay created nothing
