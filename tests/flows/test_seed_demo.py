"""`seed_demo` loads a catalog with stock in two warehouses that the catalog's copy reflects."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.catalog.models import Product, Variant
from apps.catalog.services import variants_get
from apps.inventory.models import StockLevel, Warehouse
from apps.inventory.services import availability, stock_reconcile


@pytest.mark.django_db
def test_seed_demo_stocks_the_catalog_in_two_warehouses_idempotently(api_client):
    call_command("seed_demo", products=40, verbosity=0)
    call_command("seed_demo", products=40, verbosity=0)  # a second run adds nothing

    assert Product.objects.count() == 40
    variant_ids = list(Variant.objects.values_list("id", flat=True))
    assert StockLevel.objects.count() == 2 * len(variant_ids)
    assert set(Warehouse.objects.values_list("code", flat=True)) == {"MAIN", "EAST"}

    # The catalog's copy agrees with inventory, variant by variant.
    exact = availability(variant_ids)
    copies = variants_get(variant_ids)
    assert {vid: copies[vid].available for vid in variant_ids} == exact
    assert any(exact.values())
    stocked = Product.objects.filter(variants__in_stock=True).distinct().count()
    assert Product.objects.filter(in_stock=True).count() == stocked > 0

    assert stock_reconcile() == []
    in_stock = api_client.get("/api/v1/products", {"in_stock": "true", "page_size": 100}).json()
    assert in_stock["count"] == stocked


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_an_existing_catalog_alone():
    call_command("seed_demo", products=5, verbosity=0)
    call_command("seed_demo", products=50, if_empty=True, verbosity=0)
    assert Product.objects.count() == 5
