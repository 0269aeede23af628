"""Handlers of other apps' events (connected when the app is ready)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from apps.catalog.services import variant_stock_apply
from shop import events

logger = logging.getLogger("apps.catalog")


@events.handler("stock.changed")
def variant_stock_changed(event_id: UUID, payload: dict[str, Any]) -> None:
    """Inventory's `{"variant_id", "available", "version", "at"}`: update the catalog's copy.
    The service ignores versions not above the one it has, so re-deliveries and reordering
    are harmless."""
    if "version" not in payload:
        # Written before stock events carried versions: it cannot be ordered, and a newer
        # (versioned) event of the variant follows the next stock change.
        logger.info("stock.changed %s without a version ignored", event_id)
        return
    variant_stock_apply(
        variant_id=payload["variant_id"],
        available=payload["available"],
        version=payload["version"],
        at=payload.get("at"),
    )
