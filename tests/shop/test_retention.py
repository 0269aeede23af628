"""Retention: expired idempotency records and long-done outbox events are deleted in
batches; live claims, recent answers, pending and dead events are kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.celery import app
from shop.events.models import HandledEvent, OutboxEvent
from shop.models import IdempotencyRecord
from shop.retention import records_purge
from shop.tasks import records_purge_task

pytestmark = pytest.mark.django_db

Status = OutboxEvent.Status


def idempotency_record(age: timedelta) -> IdempotencyRecord:
    at = timezone.now() - age
    return IdempotencyRecord.objects.create(
        owner="anonymous", scope="test.scope", key=str(uuid.uuid4()), request_hash="h",
        claimed_at=at, created_at=at,
    )  # fmt: skip


def outbox_event(status: str, age: timedelta, handled: int = 0) -> OutboxEvent:
    event = OutboxEvent.objects.create(name="test.retained", status=status)
    OutboxEvent.objects.filter(id=event.id).update(created_at=timezone.now() - age)
    for n in range(handled):
        HandledEvent.objects.create(event=event, handler=f"handler.{n}")
    return event


def test_only_what_is_past_its_retention_is_deleted():
    ttl = timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    kept_key = idempotency_record(ttl - timedelta(minutes=5))
    expired_keys = [idempotency_record(ttl + timedelta(minutes=n)) for n in (1, 2, 3)]
    retention = timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    old = retention + timedelta(hours=1)
    old_done = [outbox_event(Status.DONE, old, handled=2) for _ in range(3)]
    kept = [
        outbox_event(Status.DONE, retention - timedelta(hours=1), handled=1),
        outbox_event(Status.PENDING, old),
        outbox_event(Status.DEAD, old, handled=1),
    ]

    counts = records_purge(batch=2)  # several batches

    assert counts.idempotency_records == len(expired_keys)
    assert counts.outbox_events == len(old_done)
    assert list(IdempotencyRecord.objects.values_list("id", flat=True)) == [kept_key.id]
    assert set(OutboxEvent.objects.values_list("id", flat=True)) == {e.id for e in kept}
    assert set(HandledEvent.objects.values_list("event_id", flat=True)) == {
        kept[0].id,
        kept[2].id,
    }


def test_a_purge_with_nothing_to_do_is_a_few_queries():
    idempotency_record(timedelta(minutes=1))
    with CaptureQueriesContext(connection) as queries:
        counts = records_purge()
    assert (counts.idempotency_records, counts.outbox_events) == (0, 0)
    selects = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2  # one per kind; nothing deleted, nothing loaded


def test_command_reports_progress_and_totals(capsys):
    for _ in range(3):
        idempotency_record(timedelta(days=2))
    call_command("records_purge", "--batch", "2")
    out = capsys.readouterr().out
    assert "idempotency_records: 2 deleted so far" in out
    assert "idempotency_records: 3 deleted so far" in out
    assert "deleted 3 idempotency records and 0 outbox events" in out
    assert not IdempotencyRecord.objects.exists()


def test_beat_runs_the_purge_daily():
    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == records_purge_task.name)
    assert entry["schedule"].hour == {3}
    outbox_event(Status.DONE, timedelta(days=settings.OUTBOX_RETENTION_DAYS + 1))
    assert records_purge_task() == {"idempotency_records": 0, "outbox_events": 1}
