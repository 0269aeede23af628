"""Cart fixtures: variants with real stock (through inventory's services) and cart helpers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.inventory import services as inventory
from shop.redis import redis_client
from tests.catalog.factories import VariantFactory

CART = "/api/v1/cart"
ITEMS = "/api/v1/cart/items"


@pytest.fixture
def warehouse(db):
    return inventory.warehouse_create(code="CART-MAIN", name="Main")


@pytest.fixture
def give_stock(warehouse, django_capture_on_commit_callbacks):
    def give(variant, quantity: int) -> None:
        # Committed, as in production: stock.changed reaches the catalog's copy (the cart's
        # first stock check) through the outbox, relayed eagerly in the suite.
        with django_capture_on_commit_callbacks(execute=True):
            inventory.stock_adjust(
                variant_id=variant.id,
                warehouse_id=warehouse.id,
                delta=quantity,
                reason="cart tests",
                kind="receipt",
            )

    return give


@pytest.fixture
def make_variant(give_stock):
    """make_variant(price="19.99", stock=100, **factory kwargs) -> Variant."""

    def make(price: str = "19.99", stock: int = 100, **kwargs):
        variant = VariantFactory(product__base_price=Decimal(price), **kwargs)
        if stock:
            give_stock(variant, stock)
        return variant

    return make


@pytest.fixture
def variant(make_variant):
    return make_variant()


@pytest.fixture
def redis():
    return redis_client()


def item_of(body: dict, variant) -> dict:
    return next(item for item in body["items"] if item["variant_id"] == str(variant.id))
