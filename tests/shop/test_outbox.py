"""The transactional outbox: nothing sent for a rolled-back change, nothing lost while the
broker is unreachable, each handler applied once, failing handlers retried then marked dead."""

from __future__ import annotations

import contextlib
import threading
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop import events
from shop.events.models import HandledEvent, OutboxEvent
from shop.events.outbox import (
    MAX_ATTEMPTS,
    HandlerFailed,
    event_dispatch,
    events_relay,
    events_sweep,
)
from tests.support.broker import (
    broker_unreachable,
    real_broker_queue,  # noqa: F401 (a fixture)
    running_worker,
    wait_until,
)

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


@pytest.mark.django_db(transaction=True)
def test_events_written_while_the_broker_is_unreachable_are_delivered_once_it_is_back(
    real_broker_queue,  # noqa: F811
):
    with broker_unreachable():
        with transaction.atomic():
            first = events.publish("test.recorded", {"n": 5})
        with transaction.atomic():
            second = events.publish("test.recorded", {"n": 6})

    # Committed, not sent, not handled: the relay could not reach the broker.
    assert OutboxEvent.objects.filter(sent_at__isnull=True, status="pending").count() == 2
    assert calls == []

    with running_worker(real_broker_queue):
        sent = events_sweep(now=timezone.now() + timedelta(minutes=1))
        assert sent == 2
        assert wait_until(lambda: len(calls) == 2)
        assert wait_until(
            lambda: OutboxEvent.objects.filter(status=OutboxEvent.Status.DONE).count() == 2
        )
    assert sorted(payload["n"] for _, payload in calls) == [5, 6]
    assert {event_id for event_id, _ in calls} == {first.id, second.id}


@pytest.mark.django_db(transaction=True)
def test_failing_handler_is_retried_by_the_worker_with_backoff_then_succeeds(
    real_broker_queue,  # noqa: F811
):
    failures_left["n"] = 2
    with running_worker(real_broker_queue):
        with transaction.atomic():
            event = events.publish("test.flaky", {"n": 3})
        # Backoff of 2 s then 4 s before the third attempt.
        assert wait_until(lambda: len(calls) == 1, timeout=30)
        assert wait_until(
            lambda: OutboxEvent.objects.get(id=event.id).status == OutboxEvent.Status.DONE
        )
    event.refresh_from_db()
    assert event.attempts == 3
    assert event.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_events_of_one_transaction_are_written_by_one_insert_and_relayed_by_one_update():
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        events.publish_many([("test.recorded", {"n": 1}), ("test.recorded", {"n": 2})])
        events.publish("test.recorded", {"n": 3})
    sql = [query["sql"] for query in captured.captured_queries]
    outbox = [q for q in sql if "events_outboxevent" in q]
    assert [q.split()[0] for q in outbox[:3]] == ["INSERT", "INSERT", "UPDATE"]
    assert sum(q.startswith("UPDATE") for q in outbox) == 1 + 3  # the relay, then 3 handlings
    assert [payload["n"] for _, payload in calls] == [1, 2, 3]  # handled in publish order
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.DONE).count() == 3


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_savepoint_is_not_relayed_with_the_rest():
    with transaction.atomic():
        with contextlib.suppress(RuntimeError), transaction.atomic():
            events.publish("test.recorded", {"n": 0})  # its batch goes with the savepoint
            raise RuntimeError("this part failed")
        kept = events.publish("test.recorded", {"n": 1})
        with contextlib.suppress(RuntimeError), transaction.atomic():
            events.publish("test.recorded", {"n": 2})  # joins the batch, then is undone
            raise RuntimeError("this part failed")
        also = events.publish("test.recorded", {"n": 3})
    assert [(event_id, payload["n"]) for event_id, payload in calls] == [(kept.id, 1), (also.id, 3)]
    assert OutboxEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_event_no_handler_wants_is_written_done_and_costs_no_relay(
    real_broker_queue,  # noqa: F811
):
    """Nothing is sent for it (so it is done even with the broker unreachable), and a
    transaction that publishes only such events runs no relay UPDATE; an event with a
    handler still waits for the broker."""
    with broker_unreachable():
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            nobody = events.publish("test.nobody.listens", {"n": 7})
        assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
        with transaction.atomic():
            wanted = events.publish("test.recorded", {"n": 8})
    nobody.refresh_from_db()
    wanted.refresh_from_db()
    assert (nobody.status, nobody.attempts) == (OutboxEvent.Status.DONE, 0)
    assert nobody.sent_at is not None and nobody.processed_at is not None
    assert (wanted.status, wanted.sent_at) == (OutboxEvent.Status.PENDING, None)
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_a_pending_event_no_handler_wants_is_done_by_the_relay_without_a_message(
    real_broker_queue,  # noqa: F811
):
    """Written pending (before its last handler was removed, say), the sweep or a replay
    settles it without the broker."""
    event = OutboxEvent.objects.create(name="test.nobody.listens", payload={"n": 9})
    with broker_unreachable():
        assert events_relay([event.id]) == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == (OutboxEvent.Status.DONE, 0)
    assert event.sent_at is not None and event.processed_at is not None
