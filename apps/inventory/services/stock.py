"""Stock levels: manual changes, queries for the API, and the ledger check."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.catalog.services import variants_get
from apps.inventory.exceptions import InvalidInput, StockConflict
from apps.inventory.models import StockLevel, StockMovement, Warehouse
from apps.inventory.services.info import StockDifference, StockLevelInfo
from apps.inventory.services.stock_events import stock_changes_record
from shop.errors import parse_uuid

MANUAL_KINDS = (StockMovement.Kind.ADJUSTMENT, StockMovement.Kind.RECEIPT)
# The quantity column is a PostgreSQL integer.
MAX_QUANTITY = 2**31 - 1


def stock_level_info(level: StockLevel) -> StockLevelInfo:
    return StockLevelInfo(
        variant_id=level.variant_id,
        warehouse_id=level.warehouse_id,
        quantity=level.quantity,
        reserved=level.reserved,
        available=level.quantity - level.reserved,
    )


def stock_adjust(
    *,
    variant_id: UUID,
    warehouse_id: UUID,
    delta: int,
    reason: str = "",
    kind: str = StockMovement.Kind.ADJUSTMENT,
) -> StockLevelInfo:
    """Change a level's quantity by `delta` (positive receives, negative writes off).

    Creates the level when it does not exist yet, locks it, writes a movement of `kind`
    (`adjustment`, or `receipt` for received goods), raises low-stock alerts and publishes
    `stock.changed`, all in one transaction (joining the caller's).
    Raises InvalidInput naming `variant_id` (unknown in the catalog), `warehouse_id` (unknown),
    `delta` (not a non-zero integer, or one that takes the quantity past MAX_QUANTITY) or
    `kind`; StockConflict (409 `conflict`) when the
    quantity would fall below what is reserved; nothing is written then.
    """
    variant_id = parse_uuid(variant_id, "variant_id")
    warehouse_id = parse_uuid(warehouse_id, "warehouse_id")
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidInput(details={"delta": ["Must be a non-zero integer."]})
    if kind not in MANUAL_KINDS:
        raise InvalidInput(details={"kind": [f"Must be one of {', '.join(MANUAL_KINDS)}."]})
    if variant_id not in variants_get([variant_id]):
        raise InvalidInput(details={"variant_id": ["Unknown variant."]})
    if not Warehouse.objects.filter(id=warehouse_id).exists():
        raise InvalidInput(details={"warehouse_id": ["Unknown warehouse."]})

    with transaction.atomic():
        # INSERT … ON CONFLICT DO NOTHING, then lock: two first receipts cannot collide.
        StockLevel.objects.bulk_create(
            [StockLevel(variant_id=variant_id, warehouse_id=warehouse_id)], ignore_conflicts=True
        )
        # Lock every level of the variant (primary-key order, as all stock locks): changes to
        # one variant serialize, so each stock.changed carries a higher version than the last.
        levels = list(
            StockLevel.objects.select_for_update().filter(variant_id=variant_id).order_by("pk")
        )
        level = next(lv for lv in levels if lv.warehouse_id == warehouse_id)
        if level.quantity + delta < level.reserved:
            raise StockConflict(
                f"Quantity would be {level.quantity + delta}, below the {level.reserved} "
                "units reserved.",
                details={
                    "quantity": level.quantity,
                    "reserved": level.reserved,
                    "delta": delta,
                },
            )
        if level.quantity + delta > MAX_QUANTITY:
            raise InvalidInput(
                details={"delta": [f"The quantity would exceed {MAX_QUANTITY} units."]}
            )
        level.quantity += delta
        movement = StockMovement(
            variant_id=variant_id,
            warehouse_id=warehouse_id,
            kind=kind,
            quantity_delta=delta,
            reserved_delta=0,
            reason=(reason or "")[:255],
        )
        stock_changes_record([level], [movement])
    return stock_level_info(level)


def stock_levels(
    *, variant_ids: list[UUID] | None = None, warehouse_id: UUID | None = None
) -> QuerySet[StockLevel]:
    """Levels (annotated with `available`) for inventory's own API and admin, lazily, so
    they can be paginated. Other apps ask `availability()` instead."""
    levels = StockLevel.objects.annotate(available_units=F("quantity") - F("reserved"))
    if variant_ids is not None:
        levels = levels.filter(variant_id__in=variant_ids)
    if warehouse_id is not None:
        levels = levels.filter(warehouse_id=warehouse_id)
    return levels.order_by("variant_id", "warehouse_id")


def movements_list(
    *, variant_id: UUID | None = None, warehouse_id: UUID | None = None
) -> QuerySet[StockMovement]:
    """The ledger, newest first, lazily (for inventory's own API)."""
    movements = StockMovement.objects.all()
    if variant_id is not None:
        movements = movements.filter(variant_id=variant_id)
    if warehouse_id is not None:
        movements = movements.filter(warehouse_id=warehouse_id)
    return movements.order_by("-created_at", "id")


def stock_reconcile() -> list[StockDifference]:
    """Compare each level's quantity and reserved with the sums of its ledger.

    Returns the levels that differ (empty when the books balance). Reads only.
    """
    ledger = StockMovement.objects.filter(
        variant_id=OuterRef("variant_id"), warehouse_id=OuterRef("warehouse_id")
    ).order_by()

    def total(field: str):
        summed = ledger.values("variant_id").annotate(total=Sum(field)).values("total")
        return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))

    rows = (
        StockLevel.objects.annotate(
            ledger_quantity=total("quantity_delta"), ledger_reserved=total("reserved_delta")
        )
        .exclude(quantity=F("ledger_quantity"), reserved=F("ledger_reserved"))
        .order_by("variant_id", "warehouse_id")
    )
    return [
        StockDifference(
            variant_id=row.variant_id,
            warehouse_id=row.warehouse_id,
            quantity=row.quantity,
            ledger_quantity=row.ledger_quantity,
            reserved=row.reserved,
            ledger_reserved=row.ledger_reserved,
        )
        for row in rows
    ]
