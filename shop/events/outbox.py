from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from celery.exceptions import Retry
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from shop.events.models import HandledEvent, OutboxEvent
from shop.events.registry import handled_event_names, handlers_for

logger = logging.getLogger("shop.events")

MAX_ATTEMPTS = 8
# One quick reconnect (a stale pooled connection after a broker restart), then give up: a
# request must not hang on a dead broker, and the sweep sends the event later.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# The relay normally sends within milliseconds of commit; the sweep leaves younger events to it.
SWEEP_GRACE = timedelta(seconds=10)
# A sent event still pending after this long is assumed lost (worker killed, message dropped).
RESEND_AFTER = timedelta(minutes=10)


_INSERT_SQL = f"""
    INSERT INTO {OutboxEvent._meta.db_table}
           (id, name, payload, status, sent_at, processed_at, attempts, last_error, created_at)
    SELECT *, %s::integer, '', %s::timestamptz
      FROM unnest(%s::uuid[], %s::varchar[], %s::jsonb[], %s::varchar[], %s::timestamptz[],
                  %s::timestamptz[])
"""  # noqa: S608 (the table name only)


def events_publish(items: Iterable[tuple[str, dict[str, Any]]]) -> list[OutboxEvent]:
    """Write the events in the current transaction with one INSERT; relayed after commit.

    An event no handler is registered for (e.g. `order.confirmed` today) is written done:
    it is kept (the audit trail, a replay once a handler exists) but needs no delivery, so
    its transaction pays no relay. Plain SQL from arrays: the rows bulk_create would write,
    without its per-object field preparation (it is in every stock change's and order
    transition's transaction, under their row locks)."""
    now = timezone.now()
    handled = set(handled_event_names())
    events = []
    for name, payload in items:
        event = OutboxEvent(name=name, payload=payload, created_at=now, attempts=0, last_error="")
        if name not in handled:
            event.status, event.sent_at, event.processed_at = OutboxEvent.Status.DONE, now, now
        events.append(event)
    if events:
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(
                _INSERT_SQL,
                [
                    0,
                    now,
                    [event.id for event in events],
                    [event.name for event in events],
                    [json.dumps(event.payload) for event in events],
                    [event.status for event in events],
                    [event.sent_at for event in events],
                    [event.processed_at for event in events],
                ],
            )
        for event in events:
            event._state.adding = False
            event._state.db = transaction.get_connection().alias
        pending = [event.id for event in events if event.status == OutboxEvent.Status.PENDING]
        if pending:
            _relay_after_commit(pending)
    return events


def _relay_after_commit(ids: list[UUID]) -> None:
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        events_relay(ids)  # autocommit: the rows are committed already
        return
    # The connection collects the ids of its transaction; the first relay callback to run
    # after the commit sends them all with one UPDATE, and the callbacks of later publishes
    # find nothing left. (Joining one callback registered earlier would hide the events of a
    # later publish from Django's captureOnCommitCallbacks in tests.) An id whose savepoint
    # rolled back is skipped by the relay's UPDATE; ids of a rolled-back transaction are
    # found in no row by the next relay of this connection.
    conn.__dict__.setdefault("_outbox_pending", []).extend(ids)
    # Robust: the events are committed whatever happens here; the sweep sends them later.
    transaction.on_commit(functools.partial(_relay_pending, conn), robust=True)


def _relay_pending(conn) -> None:
    ids, conn._outbox_pending = conn.__dict__.get("_outbox_pending", []), []
    events_relay(ids)


def events_relay(event_ids: Iterable[UUID]) -> int:
    """Hand committed events to the broker; returns how many were sent (or, needing no
    handler, done).

    One UPDATE marks them all sent (only rows that exist: an event whose savepoint rolled
    back is skipped), then one message per event. A pending event no handler is registered
    for (e.g. `order.confirmed` today) is done in that same UPDATE and sent nowhere: a worker
    would only find nothing to do. On the first broker failure the rest are unmarked and left
    for the sweep: a request must not wait on a dead broker once per event.
    """
    from shop.events.tasks import event_dispatch_task

    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return 0
    now = timezone.now()
    pending, done = OutboxEvent.Status.PENDING, OutboxEvent.Status.DONE
    # Marked before sending: once a message is out, a worker may hold the event's row lock
    # while its handlers run, and this request must not wait for them.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {OutboxEvent._meta.db_table} AS e
                   SET sent_at = %(now)s,
                       status = CASE WHEN e.status = %(pending)s AND NOT e.name = ANY(%(handled)s)
                                     THEN %(done)s ELSE e.status END,
                       processed_at = CASE WHEN e.status = %(pending)s
                                            AND NOT e.name = ANY(%(handled)s)
                                           THEN %(now)s ELSE e.processed_at END
                 WHERE e.id = ANY(%(ids)s)
             RETURNING e.id, e.status""",  # noqa: S608 (the table name only)
            {
                "now": now,
                "pending": pending,
                "done": done,
                "handled": handled_event_names(),
                "ids": ids,
            },
        )
        marked = dict(cursor.fetchall())
    settled = sum(status == done for status in marked.values())
    ordered = [event_id for event_id in ids if marked.get(event_id, done) != done]
    for sent, event_id in enumerate(ordered):
        try:
            event_dispatch_task.apply_async(
                args=[str(event_id)], retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
        except Retry:
            pass  # run eagerly (tests, CELERY_TASK_ALWAYS_EAGER) and a handler failed: delivered
        except Exception as exc:  # the broker is down or unreachable: leave them for the sweep
            OutboxEvent.objects.filter(id__in=ordered[sent:]).update(sent_at=None)
            logger.warning(
                "%d event(s) not sent, the sweep will retry: %s", len(ordered) - sent, exc
            )
            return settled + sent
    return settled + len(ordered)


def event_dispatch(event_id: UUID) -> OutboxEvent.Status | None:
    """Run every handler of the event that has not yet applied it.

    Each handler runs in a savepoint together with its `HandledEvent` mark, so a re-delivery
    after a crash repeats nothing that committed. Returns the event's status, or None when the
    event is unknown. Raises `HandlerFailed` when a handler failed and the event should be retried.
    """
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(id=event_id).first()
        if event is None or event.status != OutboxEvent.Status.PENDING:
            return event.status if event else None
        done = set(event.handled.values_list("handler", flat=True))
        failure = None
        for name, func in handlers_for(event.name).items():
            if name in done:
                continue
            try:
                with transaction.atomic():
                    func(event.id, event.payload)
                    HandledEvent.objects.create(event=event, handler=name)
            except Exception as exc:
                logger.exception("event %s: handler %s failed", event.id, name)
                failure = f"{name}: {exc.__class__.__name__}: {exc}"
        event.attempts += 1
        if failure is None:
            event.status = OutboxEvent.Status.DONE
            event.processed_at = timezone.now()
            event.last_error = ""
        else:
            event.last_error = failure
            if event.attempts >= MAX_ATTEMPTS:
                event.status = OutboxEvent.Status.DEAD
        event.save(update_fields=["status", "attempts", "last_error", "processed_at"])
    if failure is not None and event.status == OutboxEvent.Status.PENDING:
        raise HandlerFailed(failure, attempts=event.attempts)
    return event.status


class HandlerFailed(Exception):
    def __init__(self, message: str, *, attempts: int):
        super().__init__(message)
        self.attempts = attempts


def events_sweep(now: datetime | None = None, limit: int = 500) -> int:
    """Re-send pending events that the relay missed or whose delivery was lost."""
    now = now or timezone.now()
    stale = OutboxEvent.objects.filter(
        status=OutboxEvent.Status.PENDING, created_at__lt=now - SWEEP_GRACE
    ).filter(Q(sent_at__isnull=True) | Q(sent_at__lt=now - RESEND_AFTER))
    ids = list(stale.order_by("created_at").values_list("id", flat=True)[:limit])
    OutboxEvent.objects.filter(id__in=ids).update(sent_at=None)
    return events_relay(ids)


def events_replay(*, dead: bool = False, since: datetime | None = None, redo: bool = False) -> int:
    """Send events again (operators): pending ones, dead ones with `dead`, and with `redo` also
    events already handled, clearing their marks so every handler applies them again."""
    statuses = [OutboxEvent.Status.PENDING]
    if dead:
        statuses.append(OutboxEvent.Status.DEAD)
    if redo:
        statuses.append(OutboxEvent.Status.DONE)
    events = OutboxEvent.objects.filter(status__in=statuses)
    if since is not None:
        events = events.filter(created_at__gte=since)
    ids = list(events.order_by("created_at").values_list("id", flat=True))
    with transaction.atomic():
        if redo:
            HandledEvent.objects.filter(event_id__in=ids).delete()
        OutboxEvent.objects.filter(id__in=ids).update(
            status=OutboxEvent.Status.PENDING, attempts=0, last_error="", sent_at=None
        )
    return events_relay(ids)
