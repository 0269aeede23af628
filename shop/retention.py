"""Retention: rows the shop needs only for a while, deleted in batches once they are done.

- Idempotency records older than IDEMPOTENCY_TTL_SECONDS: past their TTL they no longer
  replay anything (the claim overwrites them), they only take space.
- Outbox events handled by every handler (`done`) for longer than OUTBOX_RETENTION_DAYS,
  with their handled-marks. Pending and dead events are never deleted: they are work not yet
  done, and `events_replay --dead` needs the dead ones.

Each batch is its own short transaction, so a purge of millions of rows never holds a long
lock or a long transaction, and can be stopped and run again at any time. Beat runs it daily
(shop/celery.py); operators run `manage.py records_purge`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.events.models import OutboxEvent
from shop.models import IdempotencyRecord

BATCH = 5000


@dataclass(frozen=True)
class PurgeCounts:
    idempotency_records: int
    outbox_events: int


def _purge_idempotency(cutoff: datetime, batch: int, progress: Callable[[str, int], None]) -> int:
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                IdempotencyRecord.objects.filter(created_at__lt=cutoff)
                .order_by("created_at")
                .values_list("id", flat=True)[:batch]
            )
            deleted = IdempotencyRecord.objects.filter(id__in=ids).delete()[0] if ids else 0
        total += deleted
        if deleted:
            progress("idempotency_records", total)
        if len(ids) < batch:
            return total


def _purge_outbox(cutoff: datetime, batch: int, progress: Callable[[str, int], None]) -> int:
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                OutboxEvent.objects.filter(status=OutboxEvent.Status.DONE, created_at__lt=cutoff)
                .order_by("created_at")
                .values_list("id", flat=True)[:batch]
            )
            if ids:
                # The handled-marks go with their events (Django deletes them in one
                # statement, the events in another).
                OutboxEvent.objects.filter(id__in=ids).delete()
        total += len(ids)
        if ids:
            progress("outbox_events", total)
        if len(ids) < batch:
            return total


def records_purge(
    *,
    now: datetime | None = None,
    batch: int = BATCH,
    progress: Callable[[str, int], None] | None = None,
) -> PurgeCounts:
    """Delete expired idempotency records and long-done outbox events; returns the counts.
    `progress(kind, deleted_so_far)` is called after every batch that deleted something."""
    now = now or timezone.now()
    progress = progress or (lambda kind, count: None)
    idempotency_cutoff = now - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    outbox_cutoff = now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    return PurgeCounts(
        idempotency_records=_purge_idempotency(idempotency_cutoff, batch, progress),
        outbox_events=_purge_outbox(outbox_cutoff, batch, progress),
    )
