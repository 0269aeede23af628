"""The transactional outbox: reliable domain events between apps (DESIGN.md, Events).

    from shop import events

    events.publish("product.updated", {"id": str(product.id)})   # inside the caller's transaction
    events.publish_many([("stock.changed", {...}), ("stock.changed", {...})])  # one INSERT

    @events.handler("product.updated")                           # in an app's receivers.py
    def product_reindex(event_id, payload): ...

`publish` writes a row in the caller's transaction: an event of a rolled-back change is never
sent. After commit a relay hands it to Celery (`events` queue); all events of one transaction
go in one on-commit callback and one UPDATE. A beat sweep re-sends whatever the relay could
not (broker down, process killed). Each handler applies an event at most once (marked by
event id in the same transaction as its work); a failing handler is retried with backoff and
the event is finally marked dead with its last error (see `events_replay`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shop.events.registry import handler, handlers_for

__all__ = ["handler", "handlers_for", "publish", "publish_many"]


def publish(name: str, payload: dict[str, Any]):
    """Write event `name` in the current transaction; sent only if that transaction commits."""
    return publish_many([(name, payload)])[0]


def publish_many(items: Iterable[tuple[str, dict[str, Any]]]) -> list:
    """Write several events `(name, payload)` with one INSERT, in the current transaction;
    they are relayed together after it commits, in this order. Returns the OutboxEvents."""
    from shop.events.outbox import events_publish

    return events_publish(items)
