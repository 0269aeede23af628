"""Changes made outside a product row that products show publish `product.updated` for every
product affected (search reindexes them): a category moved or renamed, a brand renamed, a
review. Bulk changes publish `{"ids": [...]}` events of at most UPDATED_CHUNK ids."""

from __future__ import annotations

import pytest

from apps.catalog.services import (
    brand_update,
    category_update,
    products_updated_publish,
    review_create,
)
from apps.catalog.services.products import UPDATED_CHUNK
from shop.events.models import OutboxEvent
from tests.accounts.factories import UserFactory
from tests.catalog.factories import BrandFactory, ProductFactory

pytestmark = pytest.mark.django_db


def updated_ids() -> list[str]:
    ids: list[str] = []
    for payload in OutboxEvent.objects.filter(name="product.updated").values_list(
        "payload", flat=True
    ):
        ids += payload.get("ids", []) or [payload["id"]]
    return sorted(ids)


def test_moving_or_renaming_a_category_publishes_every_product_of_its_subtree(tree):
    inside = [
        ProductFactory(category=tree["shirts"]),
        ProductFactory(category=tree["oxford"], status="archived"),
    ]
    ProductFactory(category=tree["shoes"])  # elsewhere
    category_update(category_id=tree["shirts"].id, parent_id=tree["shoes"].id)
    assert updated_ids() == sorted(str(p.id) for p in inside)

    OutboxEvent.objects.all().delete()
    category_update(category_id=tree["shirts"].id, name="Tops")
    assert updated_ids() == sorted(str(p.id) for p in inside)


def test_a_category_change_that_products_do_not_show_publishes_nothing(tree):
    ProductFactory(category=tree["shirts"])
    category_update(category_id=tree["shirts"].id, name="Shirts")  # the same name
    assert updated_ids() == []


def test_renaming_a_brand_publishes_its_products_and_a_slug_change_does_not():
    brand, other = BrandFactory(name="Acme", slug="acme"), BrandFactory()
    mine = [ProductFactory(brand=brand) for _ in range(3)]
    ProductFactory(brand=other)
    brand_update(brand_id=brand.id, name="Acme", slug="acme-co")
    assert updated_ids() == []
    brand_update(brand_id=brand.id, name="Acme Works", slug="acme-co")
    assert updated_ids() == sorted(str(p.id) for p in mine)


def test_bulk_events_are_chunked():
    ids = [ProductFactory.build().id for _ in range(UPDATED_CHUNK * 2 + 1)]
    assert products_updated_publish(product_ids=ids + ids[:3]) == 3
    sizes = sorted(len(e.payload["ids"]) for e in OutboxEvent.objects.all())
    assert sizes == [1, UPDATED_CHUNK, UPDATED_CHUNK]
    assert updated_ids() == sorted(str(i) for i in ids)


def test_a_review_publishes_its_product(tree):
    product = ProductFactory(category=tree["shirts"])
    review_create(product_id=product.id, user_id=UserFactory().id, rating=5, author_name="A")
    assert updated_ids() == [str(product.id)]
