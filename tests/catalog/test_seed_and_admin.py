"""`seed_demo` (idempotent, bulk) and the merchandisers' admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.catalog.models import Category, Product, Variant
from shop.events.models import OutboxEvent
from tests.catalog.factories import product_via_services

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_consistent():
    call_command("seed_demo", "--products", "40", verbosity=0)
    assert Product.objects.filter(sku__startswith="DEMO-").count() == 40
    variants = Variant.objects.count()
    assert variants >= 40
    call_command("seed_demo", "--products", "40", verbosity=0)
    assert Product.objects.count() == 40 and Variant.objects.count() == variants
    call_command("seed_demo", "--products", "45", verbosity=0)
    assert Product.objects.count() == 45

    # Three levels deep, every product in a leaf, denormalized price = lowest variant price.
    assert set(Category.objects.values_list("level", flat=True)) == {0, 1, 2}
    for product in Product.objects.prefetch_related("variants"):
        assert product.category.level == 2
        prices = [v.price for v in product.variants.all()]
        assert product.price == min(prices)
        assert all(
            v.price == product.base_price + v.price_adjustment for v in product.variants.all()
        )
        # The demo stock (two warehouses) reaches the catalog's copy in bulk.
        assert product.in_stock == any(v.in_stock for v in product.variants.all())
    # Bulk path: no per-product or per-variant outbox events.
    assert not OutboxEvent.objects.filter(name__in=["product.created", "stock.changed"]).exists()


def test_seed_demo_if_empty_does_nothing_when_products_exist(tree):
    product_via_services(category=tree["shoes"])
    call_command("seed_demo", "--products", "10", "--if-empty", verbosity=0)
    assert Product.objects.count() == 1


@pytest.fixture
def admin_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def test_admin_lists_and_archives_through_services(
    admin_client, tree, django_capture_on_commit_callbacks
):
    products = [product_via_services(category=tree["shoes"]) for _ in range(3)]
    assert admin_client.get("/admin/catalog/product/").status_code == 200
    assert admin_client.get("/admin/catalog/product/?q=shirt").status_code == 200
    assert admin_client.get("/admin/catalog/category/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/catalog/product/",
            {"action": "archive", "_selected_action": [str(p.id) for p in products[:2]]},
        )
    assert response.status_code == 302
    statuses = dict(Product.objects.values_list("id", "status"))
    assert [statuses[p.id] for p in products] == ["archived", "archived", "active"]
    assert OutboxEvent.objects.filter(name="product.deleted").count() == 2


def test_admin_save_keeps_prices_right(admin_client, tree):
    product = product_via_services(category=tree["shoes"], base_price="10.00")
    variant = product.variants.get()
    form = {
        "sku": product.sku,
        "name": "Edited in admin",
        "description": "",
        "category": str(tree["shoes"].id),
        "base_price": "12.50",
        "status": "active",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-0-id": str(variant.id),
        "variants-0-product": str(product.id),
        "variants-0-sku": variant.sku,
        "variants-0-attributes": "{}",
        "variants-0-price_adjustment": "1.00",
        "variants-0-position": "0",
        "attribute_values-TOTAL_FORMS": "0",
        "attribute_values-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/admin/catalog/product/{product.id}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    product.refresh_from_db()
    assert (product.name, product.price) == ("Edited in admin", Decimal("13.50"))

    form["variants-0-price_adjustment"] = "-20.00"
    rejected = admin_client.post(f"/admin/catalog/product/{product.id}/change/", form)
    assert rejected.status_code == 200  # the form again, with the error
    product.refresh_from_db()
    assert product.price == Decimal("13.50")
