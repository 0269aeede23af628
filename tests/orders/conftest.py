"""Checkout fixtures: variants with real stock, carts filled through the cart's services."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from apps.cart.services import CartOwner, cart_line_add
from apps.inventory import services as inventory
from tests.catalog.factories import VariantFactory
from tests.payments.stripe_double import stripe_double  # noqa: F401 (a fixture)

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
def shipping_methods(db):
    """The shipping methods the data migration creates. Tests that commit (transaction=True)
    end with a flush of every table, which takes migrated data with it; this puts the
    migration's rows back (with the migration's own code) for whichever test comes next."""
    migration = importlib.import_module("apps.orders.migrations.0002_shipping_methods")
    migration.create(django_apps, None)


@pytest.fixture
def warehouse(shipping_methods):
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


@pytest.fixture
def place(make_variant, fill_cart, django_capture_on_commit_callbacks):
    """place(user, price="30.00", quantity=2, stock=5) -> (variant, CheckoutResult): a
    confirmed order through the checkout service, its on-commit work run."""
    from apps.orders.services import checkout

    def run(user, *, price="30.00", quantity=2, stock=5, **checkout_kwargs):
        variant = make_variant(price=price, stock=stock)
        fill_cart(user, (variant, quantity))
        with django_capture_on_commit_callbacks(execute=True):
            result = checkout(
                user_id=user.id,
                shipping_address=dict(ADDRESS),
                shipping_method="standard",
                **checkout_kwargs,
            )
        return variant, result

    return run


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    """pay(result): the dummy provider's success for a checkout result, events applied."""
    from apps.payments.services import dummy_intent_complete

    def run(result):
        with django_capture_on_commit_callbacks(execute=True):
            dummy_intent_complete(
                intent_id=result.intent_id, succeed=True, user_id=None, is_staff=True
            )

    return run
