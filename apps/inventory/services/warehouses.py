from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.inventory.exceptions import InvalidInput
from apps.inventory.models import Warehouse
from apps.inventory.services.info import WarehouseInfo


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
