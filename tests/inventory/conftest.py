from __future__ import annotations

import pytest

from apps.inventory import services
from tests.catalog.factories import VariantFactory
from tests.inventory.factories import WarehouseFactory


@pytest.fixture
def variant(db):
    return VariantFactory()


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="MAIN", priority=10)


@pytest.fixture
def east(db):
    return WarehouseFactory(code="EAST", priority=20)


@pytest.fixture
def stocked(variant, warehouse):
    """A variant with 10 units in MAIN."""
    services.stock_adjust(
        variant_id=variant.id, warehouse_id=warehouse.id, delta=10, reason="initial", kind="receipt"
    )
    return variant
