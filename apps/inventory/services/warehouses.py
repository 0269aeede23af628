from __future__ import annotations

from uuid import UUID

from django.db import IntegrityError, transaction

from apps.inventory.exceptions import InvalidInput
from apps.inventory.models import StockLevel, Warehouse
from apps.inventory.services.info import WarehouseInfo
from apps.inventory.services.stock_events import stock_changed_publish
from shop.errors import NotFound


def warehouse_info(warehouse: Warehouse) -> WarehouseInfo:
    return WarehouseInfo(
        id=warehouse.id,
        code=warehouse.code,
        name=warehouse.name,
        priority=warehouse.priority,
        active=warehouse.active,
    )


def warehouse_create(
    *, code: str, name: str, priority: int = 100, active: bool = True
) -> WarehouseInfo:
    """Create a warehouse. Raises InvalidInput (field `code`) when the code is taken or blank."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput(details={"code": ["This field may not be blank."]})
    if Warehouse.objects.filter(code=code).exists():
        raise InvalidInput(details={"code": ["A warehouse with this code already exists."]})
    try:
        with transaction.atomic():
            warehouse = Warehouse.objects.create(
                code=code, name=name, priority=priority, active=active
            )
    except IntegrityError:  # a concurrent create took the code between the check and insert
        raise InvalidInput(details={"code": ["A warehouse with this code already exists."]})
    return warehouse_info(warehouse)


def warehouse_list() -> list[WarehouseInfo]:
    """Every warehouse, preferred (lowest priority) first."""
    return [warehouse_info(w) for w in Warehouse.objects.order_by("priority", "code")]


def warehouse_update(
    *,
    warehouse_id: UUID,
    name: str | None = None,
    priority: int | None = None,
    active: bool | None = None,
) -> WarehouseInfo:
    """Change a warehouse's name, priority or active flag (None leaves a field as it is).

    (De)activating changes what every variant stocked there can sell: their levels are locked
    (primary-key order) and one `stock.changed` per variant is published in the same
    transaction. Raises NotFound for an unknown warehouse.

    The warehouse row is locked FOR NO KEY UPDATE, not FOR UPDATE: every reservation, movement
    and new level inserted for the warehouse takes FOR KEY SHARE on it (the foreign key
    check) while holding its stock-level locks, and FOR UPDATE would conflict with that —
    a (de)activation waiting for those level locks would then deadlock with them.
    """
    with transaction.atomic():
        warehouse = Warehouse.objects.select_for_update(no_key=True).filter(id=warehouse_id).first()
        if warehouse is None:
            raise NotFound("Unknown warehouse.", details={"warehouse_id": str(warehouse_id)})
        flipped = active is not None and active != warehouse.active
        changed = []
        for field, value in (("name", name), ("priority", priority), ("active", active)):
            if value is not None:
                setattr(warehouse, field, value)
                changed.append(field)
        if changed:
            # Never the unique `code`: an UPDATE of a key column would take FOR UPDATE again.
            warehouse.save(update_fields=changed)
        if flipped:
            variant_ids = StockLevel.objects.filter(warehouse=warehouse).values("variant_id")
            list(
                StockLevel.objects.select_for_update()
                .filter(variant_id__in=variant_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            stock_changed_publish(
                StockLevel.objects.filter(warehouse=warehouse).values_list("variant_id", flat=True)
            )
    return warehouse_info(warehouse)
