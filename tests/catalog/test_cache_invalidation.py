"""Every change a product detail shows drops its cached copy, and a cached read answers
exactly what an uncached one does (body and status)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.cache import cache
from PIL import Image

from apps.catalog import services
from apps.catalog.models import Product
from tests.accounts.factories import UserFactory
from tests.catalog.factories import product_via_services

pytestmark = pytest.mark.django_db


def read(client, product_id) -> tuple[int, dict]:
    response = client.get(f"/api/v1/products/{product_id}")
    return response.status_code, response.json()


def cached_then_uncached(client, product_id) -> tuple[int, dict]:
    """Read twice (the second from the cache), then once more with the cache emptied: all
    three must be the same answer."""
    first = read(client, product_id)
    cached = read(client, product_id)
    cache.clear()
    uncached = read(client, product_id)
    assert first == cached == uncached
    return cached


@pytest.fixture
def product(tree, brand):
    return product_via_services(
        sku="INV",
        category=tree["oxford"],
        brand=brand,
        base_price="20.00",
        attributes={"material": "cotton"},
        variants=[{"sku": "INV-S", "attributes": {"size": "S"}, "price_adjustment": "0.00"}],
    )


def _variant(product):
    return product.variants.get()


CHANGES: dict[str, tuple[Callable, Callable]] = {
    "price": (
        lambda p, t: services.product_update(product_id=p.id, base_price="21.00"),
        lambda body: body["price"] == "21.00" and body["variants"][0]["price"] == "21.00",
    ),
    "variant changed": (
        lambda p, t: services.product_update(
            product_id=p.id, variants=[{"id": _variant(p).id, "price_adjustment": "2.50"}]
        ),
        lambda body: body["variants"][0]["price"] == "22.50",
    ),
    "variant added": (
        lambda p, t: services.product_update(
            product_id=p.id, variants=[{"sku": "INV-M", "attributes": {"size": "M"}}]
        ),
        lambda body: [v["sku"] for v in body["variants"]] == ["INV-S", "INV-M"],
    ),
    "attributes": (
        lambda p, t: services.product_update(product_id=p.id, attributes={"material": "linen"}),
        lambda body: body["attributes"] == {"material": "linen"},
    ),
    "stock": (
        lambda p, t: services.variant_stock_apply(
            variant_id=_variant(p).id, available=4, version=1
        ),
        lambda body: body["in_stock"] is True and body["variants"][0]["available"] == 4,
    ),
    "review": (
        lambda p, t: services.review_create(product_id=p.id, user_id=UserFactory().id, rating=4),
        lambda body: (body["rating"], body["num_reviews"]) == ("4.00", 1),
    ),
    "category renamed": (
        lambda p, t: services.category_update(category_id=t["oxford"].id, name="Oxfords"),
        lambda body: body["category"]["name"] == "Oxfords",
    ),
    "ancestor category moved": (
        lambda p, t: services.category_update(category_id=t["shirts"].id, parent_id=t["shoes"].id),
        lambda body: body["category"]["path"] == "/shoes/shirts/oxford/",
    ),
    "ancestor slug changed": (
        lambda p, t: services.category_update(category_id=t["clothing"].id, slug="apparel"),
        lambda body: body["category"]["path"] == "/apparel/shirts/oxford/",
    ),
    "brand renamed": (
        lambda p, t: services.brand_update(brand_id=p.brand_id, name="Southwind", slug="southwind"),
        lambda body: body["brand"]["name"] == "Southwind",
    ),
    "moved to another category": (
        lambda p, t: services.product_update(product_id=p.id, category_id=t["shoes"].id),
        lambda body: body["category"]["path"] == "/shoes/",
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_drops_the_cached_detail(
    api_client, product, tree, change, django_capture_on_commit_callbacks
):
    apply, shows = CHANGES[change]
    status, before = read(api_client, product.id)  # cached now
    assert status == 200 and not shows(before)
    with django_capture_on_commit_callbacks(execute=True):
        apply(product, tree)
    status, after = cached_then_uncached(api_client, product.id)
    assert status == 200 and shows(after), after


def test_a_review_deleted_by_staff_drops_the_cached_detail(
    api_client, product, django_capture_on_commit_callbacks
):
    review = services.review_create(product_id=product.id, user_id=UserFactory().id, rating=2)
    assert read(api_client, product.id)[1]["num_reviews"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.review_delete(review_id=review.id)
    assert cached_then_uncached(api_client, product.id)[1]["num_reviews"] == 0


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_hiding_a_product_drops_the_cached_detail(
    api_client, product, status, django_capture_on_commit_callbacks
):
    assert read(api_client, product.id)[0] == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.products_status_set(product_ids=[product.id], status=status)
    status_code, body = cached_then_uncached(api_client, product.id)
    assert status_code == 404 and body["error"]["code"] == "not_found"


def _png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(data, "PNG")
    data.seek(0)
    data.name = "red.png"
    return data


def test_an_image_added_in_the_admin_drops_the_cached_detail(
    api_client, staff_user, product, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.test import Client

    settings.MEDIA_ROOT = str(tmp_path)
    staff_user.is_superuser = True
    staff_user.save()
    admin = Client()
    admin.force_login(staff_user)
    assert read(api_client, product.id)[1]["images"] == []
    variant = _variant(product)
    attribute = product.attribute_values.get()
    form = {
        "sku": product.sku, "name": product.name, "description": "",
        "category": str(product.category_id), "brand": str(product.brand_id),
        "base_price": "20.00", "status": "active",
        "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "1",
        "variants-0-id": str(variant.id), "variants-0-product": str(product.id),
        "variants-0-sku": variant.sku, "variants-0-attributes": '{"size": "S"}',
        "variants-0-price_adjustment": "0.00", "variants-0-position": "0",
        "attribute_values-TOTAL_FORMS": "1", "attribute_values-INITIAL_FORMS": "1",
        "attribute_values-0-id": str(attribute.id),
        "attribute_values-0-product": str(product.id),
        "attribute_values-0-name": "material", "attribute_values-0-value": "wool",
        "images-TOTAL_FORMS": "1", "images-INITIAL_FORMS": "0",
        "images-0-image": _png(), "images-0-alt_text": "Red", "images-0-position": "0",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/admin/catalog/product/{product.id}/change/", form)
    assert response.status_code == 302, response.content[:3000]
    body = cached_then_uncached(api_client, product.id)[1]
    assert [image["alt_text"] for image in body["images"]] == ["Red"]
    assert body["images"][0]["url"].endswith(".png")
    assert body["attributes"] == {"material": "wool"}


def test_the_create_answer_matches_later_reads(staff_client, api_client, tree):
    response = staff_client.post(
        "/api/v1/products",
        {"sku": "SAME", "name": "Same", "category_id": str(tree["shirts"].id),
         "base_price": "12.00", "attributes": {"a": "b"},
         "variants": [{"sku": "SAME-1", "attributes": {"size": "L"}, "price_adjustment": "1"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    assert cached_then_uncached(api_client, response.json()["id"]) == (200, response.json())
    assert Product.objects.filter(sku="SAME").exists()
