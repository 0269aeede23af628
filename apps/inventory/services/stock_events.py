"""What every stock change does besides changing rows: low-stock alerts and stock.changed."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum

from apps.inventory.models import LowStockAlert, StockLevel
from shop import events


def availability(variant_ids: Iterable[UUID | str]) -> dict[UUID, int]:
    """Available units (quantity - reserved) per variant, summed over ACTIVE warehouses.

    Every requested id is in the answer; unknown variants (or variants without stock) are 0.
    One query; reads committed data without locking (a check, not a reservation).
    """
    ids = {UUID(str(variant_id)) for variant_id in variant_ids}
    if not ids:
        return {}
    result = dict.fromkeys(ids, 0)
    rows = (
        StockLevel.objects.filter(variant_id__in=ids, warehouse__active=True)
        .order_by()
        .values("variant_id")
        .annotate(available=Sum(F("quantity") - F("reserved")))
    )
    for row in rows:
        result[row["variant_id"]] = row["available"] or 0
    return result


def stock_changed_publish(variant_ids: Iterable[UUID], *, at: datetime) -> None:
    """Write one `stock.changed` event per variant in the current transaction.

    `at` must be taken after the row locks of the change, so events of one variant are
    ordered by it just as the changes were serialized by the locks.
    """
    ids = sorted(set(variant_ids), key=str)
    totals = availability(ids)
    for variant_id in ids:
        events.publish(
            "stock.changed",
            {"variant_id": str(variant_id), "available": totals[variant_id], "at": at.isoformat()},
        )


def low_stock_check(levels: Iterable[StockLevel]) -> list[LowStockAlert]:
    """Raise an alert for each level that fell to/below its threshold while armed; re-arm
    levels above it. The levels must be locked and already saved with their new numbers."""
    from apps.inventory.tasks import low_stock_alert_email_task

    alerts = []
    for level in levels:
        threshold = (
            level.low_stock_threshold
            if level.low_stock_threshold is not None
            else settings.LOW_STOCK_THRESHOLD
        )
        above = level.available > threshold
        if above and not level.low_stock_armed:
            level.low_stock_armed = True
            level.save(update_fields=["low_stock_armed"])
        elif not above and level.low_stock_armed:
            level.low_stock_armed = False
            level.save(update_fields=["low_stock_armed"])
            alert = LowStockAlert.objects.create(
                stock_level=level,
                variant_id=level.variant_id,
                warehouse_id=level.warehouse_id,
                available=level.available,
                threshold=threshold,
            )
            transaction.on_commit(
                functools.partial(low_stock_alert_email_task.delay, str(alert.id))
            )
            alerts.append(alert)
    return alerts
