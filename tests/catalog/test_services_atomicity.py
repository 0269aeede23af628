"""A write that fails part-way leaves nothing half-written.

The failure is injected in PostgreSQL itself (a trigger that raises on one table), so the
services run unchanged up to the statement that fails, after their earlier writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection

from apps.catalog import services
from apps.catalog.models import Category, Product, ProductAttribute, Review, Variant
from shop.events.models import OutboxEvent
from tests.accounts.factories import UserFactory
from tests.catalog.factories import product_via_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def fail_on():
    """fail_on("catalog_productattribute", "INSERT") makes that statement raise; the DDL is
    rolled back with the test's transaction."""

    def install(table: str, event: str, when: str = "") -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE OR REPLACE FUNCTION audit_injected_failure() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER audit_injected_failure BEFORE {event} ON {table} "
                f"FOR EACH ROW {when} EXECUTE FUNCTION audit_injected_failure()"
            )

    return install


def test_product_create_failing_at_its_last_write_leaves_nothing(tree, fail_on):
    fail_on("catalog_productattribute", "INSERT")
    events_before = OutboxEvent.objects.count()
    with pytest.raises(DatabaseError):
        services.product_create(
            sku="HALF",
            name="Half",
            category_id=tree["shirts"].id,
            base_price=Decimal("10.00"),
            attributes={"material": "wool"},
            variants=[{"sku": "HALF-1"}, {"sku": "HALF-2"}],
        )
    assert not Product.objects.filter(sku="HALF").exists()
    assert not Variant.objects.filter(sku__startswith="HALF").exists()
    assert OutboxEvent.objects.count() == events_before


def test_product_update_failing_at_its_last_write_changes_nothing(tree, fail_on):
    product = product_via_services(sku="KEEP", category=tree["shirts"], base_price="10.00")
    variant = product.variants.get()
    fail_on("catalog_productattribute", "INSERT")
    events_before = OutboxEvent.objects.count()
    with pytest.raises(DatabaseError):
        services.product_update(
            product_id=product.id,
            name="Changed",
            base_price=Decimal("15.00"),
            attributes={"material": "wool"},
            variants=[{"id": variant.id, "price_adjustment": "1.00"}, {"sku": "KEEP-NEW"}],
        )
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.name, product.base_price, product.price) == (
        f"Product {product.sku}", Decimal("10.00"), Decimal("10.00"),
    )  # fmt: skip
    assert (variant.price_adjustment, variant.price) == (Decimal("0.00"), Decimal("10.00"))
    assert not Variant.objects.filter(sku="KEEP-NEW").exists()
    assert not ProductAttribute.objects.filter(product=product).exists()
    assert OutboxEvent.objects.count() == events_before


def test_review_create_failing_at_the_rating_refresh_leaves_no_review(tree, fail_on):
    product = product_via_services(category=tree["shirts"])
    fail_on("catalog_product", "UPDATE")
    with pytest.raises(DatabaseError):
        services.review_create(product_id=product.id, user_id=UserFactory().id, rating=5)
    assert not Review.objects.filter(product=product).exists()


def test_category_move_failing_while_repathing_changes_nothing(tree, fail_on):
    # The category's own row is saved first (name, slug, parent); the subtree's paths after.
    fail_on("catalog_category", "UPDATE", "WHEN (OLD.path IS DISTINCT FROM NEW.path)")
    with pytest.raises(DatabaseError):
        services.category_update(
            category_id=tree["shirts"].id, name="Tops", slug="tops", parent_id=tree["shoes"].id
        )
    shirts = Category.objects.get(id=tree["shirts"].id)
    assert (shirts.name, shirts.slug, shirts.parent_id, shirts.path) == (
        "Shirts", "shirts", tree["clothing"].id, "/clothing/shirts/",
    )  # fmt: skip
    assert Category.objects.get(id=tree["oxford"].id).path == "/clothing/shirts/oxford/"
