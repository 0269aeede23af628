"""The cart priced from the cached catalog: no SQL once cached, changes seen on commit, the
stock check against the catalog's copy first and inventory's exact figure on a refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cart import services
from apps.catalog import services as catalog
from apps.catalog.models import Variant
from tests.cart.conftest import CART, ITEMS, item_of
from tests.promotions.factories import make_promotion

pytestmark = pytest.mark.django_db


def start(client) -> str:
    token = client.get(CART)["X-Cart-Token"]
    client.credentials(HTTP_X_CART_TOKEN=token)
    return token


def add(client, variant, quantity=1):
    return client.post(ITEMS, {"variant_id": str(variant.id), "quantity": quantity}, format="json")


def test_cart_get_and_add_make_no_query_when_the_catalog_data_is_cached(api_client, make_variant):
    first, second = make_variant("10.00"), make_variant("4.00")
    make_promotion(name="Auto", value=Decimal("10"), stackable=True)  # priced from the snapshot
    start(api_client)
    assert add(api_client, first).status_code == 201  # caches the detail and the promotions
    api_client.get(f"/api/v1/products/{second.product_id}")  # a product page was seen

    with CaptureQueriesContext(connection) as add_queries:
        response = add(api_client, second, 2)
    assert response.status_code == 201, response.content
    with CaptureQueriesContext(connection) as get_queries:
        body = api_client.get(CART).json()
    assert [q["sql"] for q in add_queries.captured_queries] == []
    assert [q["sql"] for q in get_queries.captured_queries] == []
    assert (body["subtotal"], body["discount"], body["total"]) == ("18.00", "1.80", "16.20")
    assert [p["applied"] for p in body["promotions"]] == [True]


def test_a_price_change_is_seen_by_the_next_cart_get(
    api_client, make_variant, django_capture_on_commit_callbacks
):
    variant = make_variant("10.00")
    start(api_client)
    add(api_client, variant, 2)
    assert item_of(api_client.get(CART).json(), variant)["current_price"] == "10.00"
    with django_capture_on_commit_callbacks(execute=True):
        catalog.product_update(product_id=variant.product_id, base_price=Decimal("11.25"))
    item = item_of(api_client.get(CART).json(), variant)
    assert (item["current_price"], item["price_changed"], item["line_total"]) == (
        "11.25",
        True,
        "22.50",
    )


def test_checkout_reads_the_database_not_the_cache(make_variant):
    """What an order is charged never rests on the cache: `cart_get` (checkout's) is exact."""
    variant = make_variant("10.00")
    owner = services.CartOwner.for_user("00000000-0000-0000-0000-0000000000aa")
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    Variant.objects.filter(pk=variant.pk).update(price=Decimal("9.00"))  # behind the cache
    assert services.cart_get(owner=owner, promotions=False).priced_lines[0].current_price == (
        Decimal("9.00")
    )
    shown = services.cart_get(owner=owner, exact=False).lines[0].current_price
    assert shown == Decimal("10.00")  # the shopper's view: the cached detail


def test_a_catalog_copy_too_low_does_not_refuse_an_add(owner_and_variant):
    owner, variant = owner_and_variant(stock=5)
    Variant.objects.filter(pk=variant.pk).update(available=0)  # the copy lags behind
    catalog.product_cache_invalidate([variant.product_id])
    cart = services.cart_line_add(owner=owner, variant_id=variant.id, quantity=5)
    assert cart.lines[0].quantity == 5  # inventory's exact 5, asked only on the refusal


def test_a_refusal_always_names_inventorys_exact_figure(owner_and_variant):
    owner, variant = owner_and_variant(stock=3)
    Variant.objects.filter(pk=variant.pk).update(available=5)  # the copy is ahead
    catalog.product_cache_invalidate([variant.product_id])
    with pytest.raises(services.InsufficientStock) as caught:
        services.cart_line_add(owner=owner, variant_id=variant.id, quantity=6)
    assert caught.value.details["items"][0] == {
        "variant_id": str(variant.id),
        "requested": 6,
        "available": 3,
    }
    # Within the copy, the add is taken (a check, not a reservation: checkout reserves
    # exactly and refuses what inventory does not have).
    assert services.cart_line_add(owner=owner, variant_id=variant.id, quantity=4).version == 1


@pytest.fixture
def owner_and_variant(make_variant):
    def make(stock: int):
        return services.CartOwner.for_user("00000000-0000-0000-0000-0000000000bb"), make_variant(
            stock=stock
        )

    return make


def test_an_unreadable_promotions_snapshot_is_replaced_from_the_database(api_client, make_variant):
    from django.core.cache import cache
    from django_redis import get_redis_connection

    from shop.read_cache import l1_clear

    make_promotion(name="Auto", value=Decimal("10"))
    variant = make_variant("10.00")
    start(api_client)
    add(api_client, variant)
    # As if written by another version of the model: it cannot be unpickled here.
    get_redis_connection("default").set(cache.make_key("promotions:automatic:v1"), b"junk")
    l1_clear()
    body = api_client.get(CART).json()
    assert (body["subtotal"], body["discount"]) == ("10.00", "1.00")
