from __future__ import annotations

import uuid

import pytest

from apps.inventory import services
from apps.inventory.exceptions import InvalidInput, StockConflict
from apps.inventory.models import StockLevel, StockMovement
from shop.events.models import OutboxEvent
from tests.catalog.factories import VariantFactory
from tests.inventory.factories import WarehouseFactory


def test_adjust_creates_the_level_writes_the_ledger_and_publishes(variant, warehouse):
    info = services.stock_adjust(
        variant_id=variant.id, warehouse_id=warehouse.id, delta=7, reason="PO-1", kind="receipt"
    )
    assert info == services.StockLevelInfo(
        variant_id=variant.id, warehouse_id=warehouse.id, quantity=7, reserved=0, available=7
    )
    movement = StockMovement.objects.get(variant_id=variant.id)
    assert (movement.kind, movement.quantity_delta, movement.reserved_delta, movement.reason) == (
        "receipt",
        7,
        0,
        "PO-1",
    )
    event = OutboxEvent.objects.get(name="stock.changed")
    assert event.payload["variant_id"] == str(variant.id)
    assert event.payload["available"] == 7
    assert event.payload["at"].endswith("+00:00")


def test_adjust_never_below_reserved(stocked, warehouse):
    StockLevel.objects.filter(variant_id=stocked.id).update(reserved=4)
    with pytest.raises(StockConflict) as caught:
        services.stock_adjust(
            variant_id=stocked.id, warehouse_id=warehouse.id, delta=-7, reason="lost"
        )
    assert caught.value.code == "conflict" and caught.value.http_status == 409
    level = StockLevel.objects.get(variant_id=stocked.id)
    assert (level.quantity, level.reserved) == (10, 4)
    assert StockMovement.objects.filter(variant_id=stocked.id).count() == 1
    info = services.stock_adjust(
        variant_id=stocked.id, warehouse_id=warehouse.id, delta=-6, reason="damaged"
    )
    assert (info.quantity, info.available) == (4, 0)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("variant_id", {"variant_id": uuid.uuid4()}),
        ("warehouse_id", {"warehouse_id": uuid.uuid4()}),
        ("delta", {"delta": 0}),
        ("delta", {"delta": 1.5}),
        ("delta", {"delta": True}),
        ("kind", {"kind": "confirmation"}),
    ],
)
def test_adjust_rejects_bad_input_naming_the_field(variant, warehouse, field, kwargs):
    arguments = {"variant_id": variant.id, "warehouse_id": warehouse.id, "delta": 3, "reason": ""}
    with pytest.raises(InvalidInput) as caught:
        services.stock_adjust(**(arguments | kwargs))
    assert field in caught.value.details
    assert not StockLevel.objects.exists() and not StockMovement.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_availability_sums_active_warehouses_and_zero_for_unknown(variant, warehouse, east):
    closed = WarehouseFactory(code="OLD", active=False)
    other = VariantFactory()
    for wh, delta in ((warehouse, 5), (east, 3), (closed, 100)):
        services.stock_adjust(variant_id=variant.id, warehouse_id=wh.id, delta=delta, reason="")
    StockLevel.objects.filter(variant_id=variant.id, warehouse=east).update(reserved=2)
    unknown = uuid.uuid4()
    assert services.availability([variant.id, str(other.id), unknown]) == {
        variant.id: 6,
        other.id: 0,
        unknown: 0,
    }
    assert services.availability([]) == {}


def test_deactivating_a_warehouse_publishes_the_new_availability(variant, warehouse, east):
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=4, reason="")
    services.stock_adjust(variant_id=variant.id, warehouse_id=east.id, delta=6, reason="")
    info = services.warehouse_update(warehouse_id=east.id, active=False, priority=5)
    assert (info.active, info.priority) == (False, 5)
    assert services.availability([variant.id]) == {variant.id: 4}
    changes = OutboxEvent.objects.filter(name="stock.changed").order_by("created_at")
    last = changes.last()
    assert last.payload == {
        "variant_id": str(variant.id),
        "available": 4,
        "version": last.payload["version"],
        "at": last.payload["at"],
    }
    versions = [event.payload["version"] for event in changes]
    assert versions == sorted(set(versions)) and len(versions) == 3
    count = OutboxEvent.objects.count()
    services.warehouse_update(warehouse_id=east.id, name="East (closed)")
    assert OutboxEvent.objects.count() == count


def test_warehouse_create_rejects_a_taken_code(warehouse):
    with pytest.raises(InvalidInput) as caught:
        services.warehouse_create(code="MAIN", name="Again")
    assert "code" in caught.value.details
