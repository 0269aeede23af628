"""Promotions fixtures: priced lines built from real catalog variants."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.promotions.services import PricingLine
from tests.catalog.factories import CategoryFactory, VariantFactory


def pricing_line(variant, quantity: int = 1) -> PricingLine:
    """A line of `variant` at its catalog price, as the cart and checkout hand it over."""
    return PricingLine(
        id=uuid.uuid4(),
        variant_id=variant.id,
        product_id=variant.product_id,
        category_path=variant.product.category.path,
        unit_price=variant.price,
        quantity=quantity,
    )


@pytest.fixture
def make_variant(db):
    """make_variant(price="19.99", category=None) -> a Variant of a new active product."""

    def make(price: str = "19.99", category=None):
        kwargs = {"product__base_price": Decimal(price)}
        if category is not None:
            kwargs["product__category"] = category
        return VariantFactory(**kwargs)

    return make


@pytest.fixture
def clothing(db):
    """A category tree: /clothing/ > /clothing/shirts/, and /clothing-outlet/ beside it."""
    root = CategoryFactory(slug="clothing", name="Clothing")
    return {
        "root": root,
        "shirts": CategoryFactory(slug="shirts", name="Shirts", parent=root),
        "outlet": CategoryFactory(slug="clothing-outlet", name="Outlet"),
    }
