"""What every stock change does besides changing rows: the ledger, low-stock alerts and the
outbox events (`stock.changed`, `stock.low`), in as few queries as one change allows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.utils import timezone

from apps.inventory.models import LowStockAlert, StockLevel, StockMovement, Warehouse
from apps.inventory.signals import LOW_STOCK, STOCK_CHANGED
from shop import events

# Created by migration inventory 0003; every stock event's version is taken from it.
VERSION_SEQUENCE = "inventory_stock_version_seq"


_AVAILABILITY_SQL = f"""
    SELECT level.variant_id, sum(level.quantity - level.reserved)
      FROM {StockLevel._meta.db_table} AS level
      JOIN {Warehouse._meta.db_table} AS w ON w.id = level.warehouse_id
     WHERE w.active AND level.variant_id = ANY(%s)
     GROUP BY level.variant_id
"""  # noqa: S608 (table names only)


def availability(variant_ids: Iterable[UUID | str], *, primary: bool = False) -> dict[UUID, int]:
    """Available units (quantity - reserved) per variant, summed over ACTIVE warehouses.

    Every requested id is in the answer; unknown variants (or variants without stock) are 0.
    One query (plain SQL: the ORM's aggregate cost more to build than to run, on every cart
    add and checkout); reads committed data without locking (a check, not a reservation).
    It goes where the router sends a read of stock (a replica for a request's reads);
    `primary=True` reads the primary: an answer that refuses something must not be stale.
    """
    ids = {UUID(str(variant_id)) for variant_id in variant_ids}
    if not ids:
        return {}
    result = dict.fromkeys(ids, 0)
    alias = DEFAULT_DB_ALIAS if primary else router.db_for_read(StockLevel)
    with connections[alias].cursor() as cursor:
        cursor.execute(_AVAILABILITY_SQL, [list(ids)])
        for variant_id, available in cursor.fetchall():
            result[variant_id] = int(available or 0)
    return result


def stock_version_next() -> int:
    """A new stock version (bigint, increasing): take it after the row locks of the change."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [VERSION_SEQUENCE])
        return cursor.fetchone()[0]


def _versioned_availability(variant_ids: list[UUID]) -> tuple[int, dict[UUID, int]]:
    """A new version and the variants' availability, in ONE query (a stock change's budget
    is tight: checkout reserves inside its own transaction). The caller holds the variants'
    stock row locks, so every later change of them gets a higher version. The sums are read
    after those locks, so they see a committed warehouse (de)activation too."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT nextval(%s),
                   (SELECT coalesce(json_object_agg(l.variant_id, l.available), '{{}}')
                      FROM (SELECT level.variant_id, sum(level.quantity - level.reserved)
                                   AS available
                              FROM {StockLevel._meta.db_table} AS level
                              JOIN {Warehouse._meta.db_table} AS w ON w.id = level.warehouse_id
                             WHERE w.active AND level.variant_id = ANY(%s)
                             GROUP BY level.variant_id) AS l)
            """,  # noqa: S608 (table names only)
            [VERSION_SEQUENCE, variant_ids],
        )
        version, totals = cursor.fetchone()
    if isinstance(totals, str):
        totals = json.loads(totals)
    available = {UUID(key): int(value) for key, value in (totals or {}).items()}
    return version, {variant_id: available.get(variant_id, 0) for variant_id in variant_ids}


def stock_changed_publish(
    variant_ids: Iterable[UUID], *, also: Sequence[tuple[str, dict[str, Any]]] = ()
) -> int:
    """Write one `stock.changed` per variant (and the events in `also`) with one INSERT, in
    the current transaction, which must hold the variants' stock row locks. Returns the
    version the events carry."""
    ids = sorted(set(variant_ids), key=str)
    if not ids:
        events.publish_many(also)
        return 0
    version, totals = _versioned_availability(ids)
    at = timezone.now().isoformat()
    events.publish_many(
        [
            *(
                (
                    STOCK_CHANGED,
                    {
                        "variant_id": str(variant_id),
                        "available": totals[variant_id],
                        "version": version,
                        "at": at,
                    },
                )
                for variant_id in ids
            ),
            *also,
        ]
    )
    return version


def _threshold(level: StockLevel) -> int:
    if level.low_stock_threshold is not None:
        return level.low_stock_threshold
    return settings.LOW_STOCK_THRESHOLD


def low_stock_check(levels: Iterable[StockLevel]) -> list[LowStockAlert]:
    """Disarm each level that fell to/below its threshold while armed, and return an unsaved
    alert for it; re-arm levels above it. Changes only the objects (`low_stock_armed`): the
    caller saves them with the rest of the change."""
    alerts = []
    for level in levels:
        threshold = _threshold(level)
        above = level.available > threshold
        if above and not level.low_stock_armed:
            level.low_stock_armed = True
        elif not above and level.low_stock_armed:
            level.low_stock_armed = False
            alerts.append(
                LowStockAlert(
                    stock_level=level,
                    variant_id=level.variant_id,
                    warehouse_id=level.warehouse_id,
                    available=level.available,
                    threshold=threshold,
                )
            )
    return alerts


def _levels_save(levels: Sequence[StockLevel], now) -> None:
    """Save the levels' quantity, reserved, low_stock_armed and updated_at with ONE UPDATE
    from arrays. (What `bulk_update` does, minus its per-row CASE expressions: compiling
    those was a tenth of a checkout's CPU.)"""
    if not levels:
        return
    if any(level.pk is None for level in levels):
        raise ValueError("stock levels must be saved before a stock change is recorded")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {StockLevel._meta.db_table} AS level
               SET quantity = v.quantity, reserved = v.reserved,
                   low_stock_armed = v.armed, updated_at = %s
              FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::boolean[])
                   AS v(id, quantity, reserved, armed)
             WHERE level.id = v.id
            """,  # noqa: S608 (the table name only)
            [
                now,
                [level.pk for level in levels],
                [level.quantity for level in levels],
                [level.reserved for level in levels],
                [level.low_stock_armed for level in levels],
            ],
        )


def stock_changes_record(
    levels: Sequence[StockLevel],
    movements: Sequence[StockMovement],
    *,
    also: Sequence[tuple[str, dict[str, Any]]] = (),
) -> int:
    """Finish a stock change whose levels are locked and changed in memory: save the levels
    (one UPDATE), write the ledger (one INSERT), record low-stock alerts (one INSERT, when
    any), and publish `stock.changed` per variant, `stock.low` per alert and the events in
    `also` (one query for the version and the totals, one INSERT). Returns the version."""
    levels = list({level.pk: level for level in levels}.values())
    now = timezone.now()
    for level in levels:
        level.updated_at = now
    alerts = low_stock_check(levels)
    _levels_save(levels, now)
    StockMovement.objects.bulk_create(movements)
    if alerts:
        LowStockAlert.objects.bulk_create(alerts)
    alert_events = [
        (
            LOW_STOCK,
            {
                "alert_id": str(alert.id),
                "variant_id": str(alert.variant_id),
                "warehouse_id": str(alert.warehouse_id),
                "available": alert.available,
                "threshold": alert.threshold,
            },
        )
        for alert in alerts
    ]
    return stock_changed_publish(
        {level.variant_id for level in levels}, also=[*alert_events, *also]
    )
