from __future__ import annotations

import pytest

from tests.catalog.factories import BrandFactory, CategoryFactory


@pytest.fixture
def tree(db):
    """/clothing/ > /clothing/shirts/ > /clothing/shirts/oxford/, and /shoes/."""
    clothing = CategoryFactory(name="Clothing", slug="clothing")
    shirts = CategoryFactory(name="Shirts", slug="shirts", parent=clothing)
    oxford = CategoryFactory(name="Oxford", slug="oxford", parent=shirts)
    shoes = CategoryFactory(name="Shoes", slug="shoes")
    return {"clothing": clothing, "shirts": shirts, "oxford": oxford, "shoes": shoes}


@pytest.fixture
def brand(db):
    return BrandFactory(name="Northwind", slug="northwind")
