"""Inventory's stock changes reach the catalog's copy through the outbox (stock.changed)."""

from __future__ import annotations

import uuid

import pytest

from apps.inventory.services import reservation_create, warehouse_create
from shop.events.models import OutboxEvent
from tests.catalog.factories import product_via_services

pytestmark = pytest.mark.django_db


def catalog_view(client, product):
    detail = client.get(f"/api/v1/products/{product.id}").json()
    listed = client.get("/api/v1/products", {"in_stock": "true"}).json()["results"]
    return detail["in_stock"], detail["variants"][0]["available"], [p["id"] for p in listed]


def test_staff_adjustment_and_reservations_show_in_the_catalog(
    api_client, staff_client, django_capture_on_commit_callbacks
):
    product = product_via_services(sku="FLOW-1")
    variant_id = product.variants.get().id
    warehouse = warehouse_create(code="MAIN", name="Main")
    assert catalog_view(api_client, product) == (False, 0, [])  # new variants: out of stock

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/api/v1/inventory/adjust",
            {"variant_id": str(variant_id), "warehouse_id": str(warehouse.id), "delta": 3,
             "reason": "received"},
            format="json",
        )  # fmt: skip
    assert response.status_code == 200
    assert catalog_view(api_client, product) == (True, 3, [str(product.id)])

    with django_capture_on_commit_callbacks(execute=True):
        reservation_create(order_id=uuid.uuid4(), lines=[(variant_id, 3)])
    assert catalog_view(api_client, product) == (False, 0, [])
    stock_events = OutboxEvent.objects.filter(name="stock.changed")
    assert stock_events.count() == 2
    assert not stock_events.exclude(status=OutboxEvent.Status.DONE).exists()
