"""Checkout fixtures: variants with real stock, carts filled through the cart's services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.cart.services import CartOwner, cart_line_add
from apps.inventory import services as inventory
from tests.catalog.factories import VariantFactory

CHECKOUT = "/api/v1/checkout"
PREVIEW = "/api/v1/checkout/preview"
ADDRESS = {
    "full_name": "Ann Buyer",
    "address_line1": "1 Main Street",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}


def body(**overrides) -> dict:
    """A checkout body: the inline ADDRESS, standard shipping."""
    return {"shipping_address": dict(ADDRESS), "shipping_method": "standard", **overrides}


@pytest.fixture
def warehouse(db):
    return inventory.warehouse_create(code="ORD-MAIN", name="Main")


@pytest.fixture
def make_variant(warehouse):
    """make_variant(price="20.00", stock=10, **factory kwargs) -> Variant."""

    def make(price: str = "20.00", stock: int = 10, **kwargs):
        variant = VariantFactory(product__base_price=Decimal(price), **kwargs)
        if stock:
            inventory.stock_adjust(
                variant_id=variant.id,
                warehouse_id=warehouse.id,
                delta=stock,
                reason="orders tests",
                kind="receipt",
            )
        return variant

    return make


@pytest.fixture
def fill_cart():
    """fill_cart(user, (variant, quantity), ...) -> the cart's version."""

    def fill(user, *lines) -> int:
        owner = CartOwner.for_user(user.id)
        cart = None
        for variant, quantity in lines:
            cart = cart_line_add(owner=owner, variant_id=variant.id, quantity=quantity)
        return cart.version

    return fill
