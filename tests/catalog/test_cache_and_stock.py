"""The cached product detail, its invalidation, Redis outages, and inventory's stock.changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings

from apps.catalog.models import Product, Variant
from apps.catalog.services import product_update, variant_stock_apply
from shop import events
from shop.events.models import OutboxEvent
from tests.catalog.factories import product_via_services

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@pytest.fixture
def product(tree):
    return product_via_services(sku="CACHED", category=tree["shirts"], base_price="25.00")


def detail(client, product):
    response = client.get(f"/api/v1/products/{product.id}")
    assert response.status_code == 200, response.content
    return response.json()


def test_cached_anonymous_read_makes_no_query(api_client, product, django_assert_num_queries):
    with django_assert_num_queries(4):  # product+brand+category, attributes, images, variants
        detail(api_client, product)
    with django_assert_num_queries(0):
        assert detail(api_client, product)["sku"] == "CACHED"


def test_cached_hidden_product_is_still_404_for_the_public(api_client, staff_client, tree):
    draft = product_via_services(category=tree["shirts"], status="draft")
    detail(staff_client, draft)  # staff warm the cache with the draft
    assert api_client.get(f"/api/v1/products/{draft.id}").status_code == 404


def test_update_invalidates_on_commit(
    api_client, staff_client, product, django_capture_on_commit_callbacks
):
    assert detail(api_client, product)["name"] == f"Product {product.sku}"
    # A change behind the services' back is not seen: the detail really comes from the cache.
    Product.objects.filter(id=product.id).update(name="Sneaky")
    assert detail(api_client, product)["name"] == f"Product {product.sku}"

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(
            f"/api/v1/products/{product.id}", {"base_price": "19.00"}, format="json"
        )
    assert response.status_code == 200
    fresh = detail(api_client, product)
    assert fresh["price"] == "19.00" and fresh["name"] == "Sneaky"


def test_stock_changed_event_updates_variant_and_invalidates(
    api_client, product, django_capture_on_commit_callbacks
):
    variant = product.variants.get()
    assert detail(api_client, product)["in_stock"] is False
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        event = events.publish(
            "stock.changed",
            {"variant_id": str(variant.id), "available": 7, "version": 41, "at": at.isoformat()},
        )
    # The outbox relay ran the registered receiver (Celery is eager in tests).
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DONE
    variant.refresh_from_db()
    assert (variant.available, variant.in_stock, variant.stock_version) == (7, True, 41)
    assert variant.stock_updated_at == at
    body = detail(api_client, product)
    assert body["in_stock"] is True
    assert body["variants"][0]["available"] == 7


def test_an_older_stock_version_is_ignored_whatever_its_timestamp(
    product, django_capture_on_commit_callbacks
):
    variant = product.variants.get()
    noon = datetime(2026, 3, 1, 12, tzinfo=UTC)

    def deliver(available, version, at):
        with django_capture_on_commit_callbacks(execute=True):
            events.publish(
                "stock.changed",
                {
                    "variant_id": str(variant.id),
                    "available": available,
                    "version": version,
                    "at": at.isoformat(),
                },
            )
        variant.refresh_from_db()
        return variant.available, variant.stock_version

    assert deliver(0, 10, noon) == (0, 10)
    # Sent by a host whose clock runs ahead, but older: it must not resurrect the stock.
    assert deliver(9, 9, noon + timedelta(hours=1)) == (0, 10)
    # The same version again changes nothing either.
    assert deliver(5, 10, noon + timedelta(hours=2)) == (0, 10)
    # Newer, from a host whose clock runs behind: applied.
    assert deliver(3, 11, noon - timedelta(hours=1)) == (3, 11)
    product.refresh_from_db()
    assert product.in_stock is True


def test_a_stock_event_without_a_version_is_ignored(product, django_capture_on_commit_callbacks):
    variant = product.variants.get()
    with django_capture_on_commit_callbacks(execute=True):
        event = events.publish(
            "stock.changed",
            {"variant_id": str(variant.id), "available": 4, "at": "2026-03-01T12:00:00+00:00"},
        )
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DONE  # handled (ignored), not retried
    variant.refresh_from_db()
    assert (variant.available, variant.stock_version) == (0, None)


def test_product_in_stock_follows_any_variant(tree):
    product = product_via_services(
        category=tree["shirts"], variants=[{"sku": "TWO-S"}, {"sku": "TWO-M"}]
    )
    small, medium = Variant.objects.filter(product=product).order_by("sku").reverse()
    variant_stock_apply(variant_id=small.id, available=2, version=1)
    variant_stock_apply(variant_id=medium.id, available=0, version=2)
    product.refresh_from_db()
    assert product.in_stock is True
    variant_stock_apply(variant_id=small.id, available=0, version=3)
    product.refresh_from_db()
    assert product.in_stock is False


def test_unknown_variant_stock_event_is_ignored(db):
    assert (
        variant_stock_apply(
            variant_id="00000000-0000-0000-0000-000000000000", available=1, version=1
        )
        is False
    )


def test_redis_down_degrades_to_the_database(
    api_client, staff_client, product, settings, django_capture_on_commit_callbacks
):
    settings.THROTTLE_RATES = {}  # throttle counters live in the same (dead) cache
    with override_settings(CACHES=DEAD_REDIS):
        with pytest.raises(Exception):
            cache.get("anything")
        assert detail(api_client, product)["price"] == "25.00"
        with django_capture_on_commit_callbacks(execute=True):
            updated = product_update(product_id=product.id, base_price="26.00")
        assert updated.price == 26
        assert detail(api_client, product)["price"] == "26.00"
        response = staff_client.patch(
            f"/api/v1/products/{product.id}", {"name": "Still works"}, format="json"
        )
        assert response.status_code == 200
