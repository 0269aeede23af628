"""Handlers of other apps' events: each turns an event into an indexing task.

Handlers run inside the outbox's dispatch transaction and must be cheap and idempotent: they
only hand product ids to `search_index_task`, which reads the products' current state, so a
repeated or reordered event reindexes the same newest state. The task is queued directly,
not on commit: if the broker is down the handler fails and the outbox retries the event,
so no change is lost; a task that runs before the dispatch commits still reads committed
data (the change that published the event committed before it was relayed).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from apps.catalog.services import variants_get
from apps.search.services import in_stock_indexed
from apps.search.tasks import search_index_task
from shop import events

# Ids per task, so one category move does not become one huge message.
TASK_IDS = 500


def _queue(product_ids: list[str]) -> None:
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), TASK_IDS):
        search_index_task.delay(ids[start : start + TASK_IDS])


@events.handler("product.created")
@events.handler("product.updated")
@events.handler("product.deleted")
def product_reindex(event_id: UUID, payload: dict[str, Any]) -> None:
    """`{"id"}` for one product, `{"ids": [...]}` for many (a category moved or renamed, a
    brand renamed). `product.deleted` (archived) goes the same way: indexing removes the
    document of a product that is not active, whichever event came last."""
    ids = list(payload.get("ids") or [])
    if payload.get("id"):
        ids.append(payload["id"])
    _queue([str(product_id) for product_id in ids])


@events.handler("stock.changed")
def stock_reindex(event_id: UUID, payload: dict[str, Any]) -> None:
    """Inventory's `{"variant_id", "available", ...}`: reindex the variant's product when its
    `in_stock` may have flipped. That flag is the only stock figure a document holds, and
    search reads it from inventory itself when indexing; so a change that leaves the variant
    in stock while the document says in stock (or out, while it says out) needs no reindex,
    which spares a task per checkout line. Anything else (a variant now out while the
    document says in: another variant may still hold stock; no document; an event without
    `available`) reindexes. Neither `at` nor `version` matters here; an unknown variant is
    ignored."""
    variant = variants_get([payload["variant_id"]]).get(UUID(str(payload["variant_id"])))
    if variant is None:
        return
    available = payload.get("available")
    if isinstance(available, int) and in_stock_indexed(product_id=variant.product_id) == (
        available > 0
    ):
        return
    _queue([str(variant.product_id)])
