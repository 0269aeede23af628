"""checkout/preview: the checkout's own pricing (shipping, tax, rounding), creating nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps

from apps.orders.models import ShippingMethod, TaxRate
from tests.accounts.errors import assert_error
from tests.accounts.factories import AddressFactory
from tests.orders.conftest import ADDRESS, PREVIEW, body

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _preview(client, **overrides):
    response = client.post(PREVIEW, body(**overrides), format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_preview_answers_the_totals_and_creates_nothing(
    user, user_client, make_variant, fill_cart, redis
):
    shirt, mug = make_variant(price="20.00"), make_variant(price="7.50")
    fill_cart(user, (shirt, 2), (mug, 1))
    before, carts_before = _counts(), _carts(redis)

    preview = _preview(user_client)

    assert {k: preview[k] for k in ("subtotal", "discount", "shipping", "tax", "total")} == {
        "subtotal": "47.50",
        "discount": "0.00",
        "shipping": "5.00",
        "tax": "0.00",
        "total": "52.50",
    }
    assert [
        {k: line[k] for k in ("variant_id", "quantity", "unit_price", "discount", "total_price")}
        for line in preview["lines"]
    ] == [
        {"variant_id": str(shirt.id), "quantity": 2, "unit_price": "20.00", "discount": "0.00",
         "total_price": "40.00"},
        {"variant_id": str(mug.id), "quantity": 1, "unit_price": "7.50", "discount": "0.00",
         "total_price": "7.50"},
    ]  # fmt: skip
    assert _counts() == before  # no order, reservation, movement, event, payment, …
    assert _carts(redis) == carts_before  # the cart is untouched (same version and lines)


def _carts(redis) -> dict:
    return {key: redis.hgetall(key) for key in redis.scan_iter("cart:*")}


@pytest.fixture
def redis():
    from shop.redis import redis_client

    return redis_client()


def test_tax_is_the_rate_of_the_state_or_country_on_the_discounted_subtotal_not_shipping(
    user, user_client, make_variant, fill_cart
):
    fill_cart(user, (make_variant(price="19.99"), 1))  # below free shipping
    assert _preview(user_client)["tax"] == "0.00"  # zero until staff set a rate

    TaxRate.objects.create(country="US", state="", rate=Decimal("0.0500"))
    preview = _preview(user_client)
    assert (preview["tax"], preview["shipping"]) == ("1.00", "5.00")  # 0.9995 → 1.00 (HALF_UP)
    assert preview["total"] == "25.99"

    TaxRate.objects.create(country="US", state="IL", rate=Decimal("0.0625"))
    preview = _preview(user_client)
    assert preview["tax"] == "1.25"  # 1.249375: the state's rate wins
    assert Decimal(preview["total"]) == Decimal("19.99") + Decimal("5.00") + Decimal("1.25")
    other_state = _preview(user_client, shipping_address={**ADDRESS, "state": "WI"})
    assert other_state["tax"] == "1.00"
    abroad = _preview(user_client, shipping_address={**ADDRESS, "country": "FR", "state": ""})
    assert abroad["tax"] == "0.00"


def test_shipping_is_free_from_free_over_and_express_never(
    user, user_client, make_variant, fill_cart
):
    fill_cart(user, (make_variant(price="25.00"), 2))  # exactly 50.00
    assert _preview(user_client)["shipping"] == "0.00"
    assert _preview(user_client, shipping_method="express")["shipping"] == "15.00"
    ShippingMethod.objects.filter(code="standard").update(free_over=Decimal("50.01"))
    assert _preview(user_client)["shipping"] == "5.00"
    ShippingMethod.objects.filter(code="express").update(active=False)
    error = assert_error(
        user_client.post(PREVIEW, body(shipping_method="express"), format="json"), 400, "invalid"
    )
    assert set(error["details"]) == {"shipping_method"}


def test_a_saved_address_of_the_user_prices_with_its_country(
    user, user_client, make_variant, fill_cart
):
    fill_cart(user, (make_variant(price="10.00"), 1))
    TaxRate.objects.create(country="DE", rate=Decimal("0.1900"))
    own = AddressFactory(user=user, country="DE", state="")
    someone_elses = AddressFactory(country="DE")
    payload = {"shipping_address_id": str(own.id), "shipping_method": "standard"}
    assert user_client.post(PREVIEW, payload, format="json").json()["tax"] == "1.90"
    payload["shipping_address_id"] = str(someone_elses.id)
    error = assert_error(user_client.post(PREVIEW, payload, format="json"), 400, "invalid")
    assert set(error["details"]) == {"shipping_address_id"}


def test_preview_needs_a_signed_in_user_and_a_cart(api_client, user_client, warehouse):
    assert_error(api_client.post(PREVIEW, body(), format="json"), 401, "not_authenticated")
    assert_error(user_client.post(PREVIEW, body(), format="json"), 400, "empty_cart")
