"""Handlers of other apps' events (connected when the app is ready)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from apps.catalog.services import variant_stock_apply
from shop import events


@events.handler("stock.changed")
def variant_stock_changed(event_id: UUID, payload: dict[str, Any]) -> None:
    """Inventory's `{"variant_id", "available", "at"}`: update the catalog's copy. The service
    ignores events older than what it has, so re-deliveries and reordering are harmless."""
    variant_stock_apply(
        variant_id=payload["variant_id"], available=payload["available"], at=payload["at"]
    )
