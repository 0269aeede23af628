"""Query budgets of stock changes: checkout (≤ 25 queries for a 5-line order) reserves inside
its own transaction, so a reservation must cost a fixed handful of queries, not some per line."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.inventory import services
from apps.inventory.models import LowStockAlert
from shop.events.models import OutboxEvent
from tests.catalog.factories import VariantFactory
from tests.inventory.factories import WarehouseFactory

# SAVEPOINT, lock levels, existing reservations, INSERT reservations, UPDATE levels, INSERT
# movements, version + totals, INSERT events, RELEASE SAVEPOINT — plus INSERT alerts, if any.
RESERVE_QUERIES = 9


@pytest.fixture
def five_variants(db, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    main, east = WarehouseFactory(code="MAIN"), WarehouseFactory(code="EAST")
    variants = [VariantFactory() for _ in range(5)]
    for variant in variants:
        for warehouse in (main, east):
            services.stock_adjust(
                variant_id=variant.id, warehouse_id=warehouse.id, delta=10, reason=""
            )
    return variants


@pytest.mark.parametrize(
    ("quantity", "alerts"), [(1, 0), (12, 5)], ids=["no-alert", "five-low-stock-alerts"]
)
def test_reserving_five_variants_inside_a_transaction_costs_a_fixed_number_of_queries(
    five_variants, quantity, alerts, django_assert_num_queries
):
    events_before = OutboxEvent.objects.count()
    with transaction.atomic(), django_assert_num_queries(RESERVE_QUERIES + (alerts > 0)):
        services.reservation_create(
            order_id=uuid.uuid4(), lines=[(variant.id, quantity) for variant in five_variants]
        )
    assert LowStockAlert.objects.count() == alerts
    assert OutboxEvent.objects.count() - events_before == 5 + alerts


@pytest.mark.django_db(transaction=True)
def test_the_events_of_a_reservation_are_relayed_by_one_update(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    warehouse = WarehouseFactory(code="MAIN")
    variants = [VariantFactory() for _ in range(5)]
    for variant in variants:
        services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=8)
    with CaptureQueriesContext(connection) as captured:
        services.reservation_create(
            order_id=uuid.uuid4(), lines=[(variant.id, 4) for variant in variants]
        )
    marks = [q["sql"] for q in captured.captured_queries if "SET sent_at" in q["sql"]]
    assert len(marks) == 1  # five stock.changed and five stock.low, one relay
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0
