"""POST checkout and checkout/preview through HTTP: the happy path, totals, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.cart.services import CartOwner, cart_get
from apps.inventory.models import Reservation, StockLevel
from apps.inventory.services import stock_reconcile
from apps.orders.models import Order
from apps.orders.numbers import PATTERN
from apps.payments.models import Payment
from tests.accounts.errors import assert_error
from tests.orders.conftest import CHECKOUT, body

pytestmark = pytest.mark.django_db


def test_checkout_places_a_confirmed_order_and_opens_its_payment(
    user, user_client, make_variant, fill_cart, django_capture_on_commit_callbacks
):
    shirt, mug = make_variant(price="20.00", stock=5), make_variant(price="7.50", stock=5)
    fill_cart(user, (shirt, 2), (mug, 1))

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(CHECKOUT, body(), format="json")

    assert response.status_code == 201, response.content
    order, payment = response.json()["order"], response.json()["payment"]
    assert order["status"] == "confirmed"
    assert PATTERN.match(order["order_number"])
    assert (order["subtotal"], order["discount"], order["shipping"], order["tax"]) == (
        "47.50",
        "0.00",
        "5.00",
        "0.00",
    )
    assert order["total"] == "52.50"
    assert [
        (i["sku"], i["quantity"], i["unit_price"], i["total_price"]) for i in order["items"]
    ] == [
        (shirt.sku, 2, "20.00", "40.00"),
        (mug.sku, 1, "7.50", "7.50"),
    ]
    assert order["shipping_address"]["country"] == "US"
    assert order["billing_address"] == order["shipping_address"]
    assert [(h["from_status"], h["status"], h["actor"]) for h in order["history"]] == [
        ("pending", "confirmed", "system")
    ]
    assert payment["provider"] == "dummy"
    assert payment["intent_id"].startswith("pi_dummy_") and payment["client_secret"]
    stored = Payment.objects.get(order_id=order["id"])
    assert stored.amount == Decimal("52.50") and order["payment_id"] == str(stored.id)

    # Stock is held, not sold; the cart is empty.
    assert Reservation.objects.filter(order_id=order["id"], status="pending").count() == 2
    assert StockLevel.objects.get(variant_id=shirt.id).reserved == 2
    assert cart_get(owner=CartOwner.for_user(user.id)).is_empty
    assert stock_reconcile() == []


def test_empty_cart_is_refused(user_client, warehouse):
    assert_error(user_client.post(CHECKOUT, body(), format="json"), 400, "empty_cart")
    assert not Order.objects.exists()


def test_bad_input_answers_400_naming_the_field(user, user_client, make_variant, fill_cart):
    fill_cart(user, (make_variant(), 1))
    unknown = "00000000-0000-0000-0000-000000000001"
    bad_country = {**body()["shipping_address"], "country": "XX"}
    cases = [
        ({"shipping_method": "standard"}, "shipping_address"),
        (body(shipping_method="teleport"), "shipping_method"),
        (body(shipping_address=bad_country), "shipping_address"),
        (body(shipping_address="Main Street"), "shipping_address"),
        (body(shipping_address_id="not-a-uuid"), "shipping_address_id"),
        (body(shipping_address_id=unknown), "shipping_address"),  # both id and inline
        ({"shipping_address_id": unknown, "shipping_method": "standard"}, "shipping_address_id"),
        (body(coupon_code="x" * 51), "coupon_code"),
        (body(billing_address={"city": "Nowhere"}), "billing_address"),
    ]
    for payload, field in cases:
        error = assert_error(user_client.post(CHECKOUT, payload, format="json"), 400, "invalid")
        assert set(error["details"]) == {field}, (payload, error)
    assert not Order.objects.exists()
    assert not Reservation.objects.exists()
