"""The transactional outbox: nothing sent for a rolled-back change, nothing lost while the
broker is unreachable, each handler applied once, failing handlers retried then marked dead."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from shop import events
from shop.celery import app as celery_app
from shop.events.models import HandledEvent, OutboxEvent
from shop.events.outbox import MAX_ATTEMPTS, HandlerFailed, event_dispatch, events_sweep

calls: list[tuple[uuid.UUID, dict]] = []
calls_lock = threading.Lock()
failures_left = {"n": 0}


@events.handler("test.recorded")
def record(event_id, payload):
    with calls_lock:
        calls.append((event_id, payload))


@events.handler("test.flaky")
def flaky(event_id, payload):
    if failures_left["n"] > 0:
        failures_left["n"] -= 1
        raise RuntimeError("downstream unavailable")
    record(event_id, payload)


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()
    failures_left["n"] = 0
    yield


@pytest.mark.django_db(transaction=True)
def test_event_of_a_committed_change_is_handled_once():
    with transaction.atomic():
        event = events.publish("test.recorded", {"n": 1})
    assert calls == [(event.id, {"n": 1})]
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DONE
    assert event.sent_at is not None

    # A re-delivery (the sweep, a replay, a duplicate message) applies nothing twice.
    OutboxEvent.objects.filter(id=event.id).update(status=OutboxEvent.Status.PENDING)
    event_dispatch(event.id)
    assert len(calls) == 1
    assert HandledEvent.objects.filter(event=event).count() == 1


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_change_is_never_sent():
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.recorded", {"n": 2})
        raise RuntimeError("the change failed")
    assert calls == []
    assert not OutboxEvent.objects.exists()
    assert events_sweep(now=timezone.now() + timedelta(hours=1)) == 0
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_handler_that_keeps_failing_is_marked_dead_and_replayable():
    failures_left["n"] = MAX_ATTEMPTS + 1
    with transaction.atomic():
        event = events.publish("test.flaky", {"n": 4})
    for _ in range(MAX_ATTEMPTS - 1):  # what the task's retries would do, without the backoff
        with contextlib.suppress(HandlerFailed):
            event_dispatch(event.id)
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DEAD
    assert event.attempts == MAX_ATTEMPTS
    assert "downstream unavailable" in event.last_error
    assert calls == []

    failures_left["n"] = 0
    call_command("events_replay", "--dead")
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DONE
    assert len(calls) == 1


@pytest.fixture
def real_broker_queue():
    """Run tasks through RabbitMQ (not eagerly) on a queue of this test's own."""
    queue = f"test-events-{uuid.uuid4().hex[:8]}"
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_routes)
    conf.task_always_eager = False
    conf.task_routes = {"shop.events.tasks.*": {"queue": queue}}
    _reset_routes()
    yield queue
    conf.task_always_eager, conf.broker_url, conf.task_routes = saved
    _reset_routes()
    _reset_broker_pool()
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


@contextlib.contextmanager
def running_worker(queue):
    """A real Celery worker in a thread, consuming `queue` on RabbitMQ."""
    with start_worker(celery_app, queues=[queue], perform_ping_check=False) as worker:
        yield worker
        # The worker's event loop sleeps until a message arrives: ask it to stop, then wake it.
        worker_state.should_terminate = 0
        celery_app.send_task("shop.wake-up", queue=queue)


def _reset_routes():
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


def _reset_broker_pool():
    # Publishing takes pooled connections for the configured URL; start from a fresh pool.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.django_db(transaction=True)
def test_events_written_while_the_broker_is_unreachable_are_delivered_once_it_is_back(
    real_broker_queue, settings
):
    good_broker = celery_app.conf.broker_url
    celery_app.conf.broker_url = "amqp://guest:guest@127.0.0.1:1//"  # a closed port
    _reset_broker_pool()

    with transaction.atomic():
        first = events.publish("test.recorded", {"n": 5})
    with transaction.atomic():
        second = events.publish("test.recorded", {"n": 6})

    # Committed, not sent, not handled: the relay could not reach the broker.
    assert OutboxEvent.objects.filter(sent_at__isnull=True, status="pending").count() == 2
    assert calls == []

    celery_app.conf.broker_url = good_broker
    _reset_broker_pool()
    with running_worker(real_broker_queue):
        sent = events_sweep(now=timezone.now() + timedelta(minutes=1))
        assert sent == 2
        assert _wait_until(lambda: len(calls) == 2)
        assert _wait_until(
            lambda: OutboxEvent.objects.filter(status=OutboxEvent.Status.DONE).count() == 2
        )
    assert sorted(payload["n"] for _, payload in calls) == [5, 6]
    assert {event_id for event_id, _ in calls} == {first.id, second.id}


@pytest.mark.django_db(transaction=True)
def test_failing_handler_is_retried_by_the_worker_with_backoff_then_succeeds(real_broker_queue):
    failures_left["n"] = 2
    with running_worker(real_broker_queue):
        with transaction.atomic():
            event = events.publish("test.flaky", {"n": 3})
        # Backoff of 2 s then 4 s before the third attempt.
        assert _wait_until(lambda: len(calls) == 1, timeout=30)
        assert _wait_until(
            lambda: OutboxEvent.objects.get(id=event.id).status == OutboxEvent.Status.DONE
        )
    event.refresh_from_db()
    assert event.attempts == 3
    assert event.last_error == ""
