"""A customer's whole purchase through HTTP: register → sign in → cart → coupon → checkout →
pay (dummy provider) → the order is paid, the stock sold, the coupon use counted, the cart
empty and the confirmation email sent with the order number."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.inventory.models import Reservation, StockLevel
from apps.inventory.services import stock_adjust, stock_reconcile, warehouse_create
from apps.promotions.services import promotion_usage_list
from tests.catalog.factories import product_via_services
from tests.orders.conftest import ADDRESS, shipping_methods  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.mark.usefixtures("shipping_methods")
def test_register_buy_with_a_coupon_pay_and_get_the_confirmation(
    api_client, staff_client, django_capture_on_commit_callbacks
):
    def call(method, path, data=None, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(api_client, method)(f"{API}/{path}", data, format="json", **headers)

    product = product_via_services(sku="FLOW-TEE", base_price="40.00")
    variant = product.variants.get()
    warehouse = warehouse_create(code="FLOW", name="Flow")
    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=5, reason="in")
    coupon = staff_client.post(
        f"{API}/promotions",
        {"code": "WELCOME10", "name": "Ten percent", "type": "percentage", "value": "10.00",
         "max_uses": 100},
        format="json",
    )  # fmt: skip
    assert coupon.status_code == 201, coupon.content

    credentials = {"email": "eve@example.com", "password": "a-long-passphrase-42"}
    assert call("post", "auth/register", credentials).status_code == 201
    login = call("post", "auth/login", credentials)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    mail.outbox.clear()  # the verification email is not what this test is about

    assert (
        call("post", "cart/items", {"variant_id": str(variant.id), "quantity": 2}).status_code
        == 201
    )
    cart = call("post", "cart/coupon", {"code": "welcome10"})
    assert cart.status_code == 200, cart.content
    assert cart.json()["discount"] == "8.00"

    checkout = call(
        "post",
        "checkout",
        {"shipping_address": ADDRESS, "shipping_method": "standard"},
        HTTP_IDEMPOTENCY_KEY="flow-1",
    )
    assert checkout.status_code == 201, checkout.content
    order, payment = checkout.json()["order"], checkout.json()["payment"]
    assert (order["subtotal"], order["discount"], order["shipping"], order["total"]) == (
        "80.00",
        "8.00",
        "0.00",  # 72.00 after the discount: over the 50.00 of free standard shipping
        "72.00",
    )
    assert order["items"][0]["discount"] == "8.00"
    assert order["items"][0]["total_price"] == "72.00"

    paid = call("post", f"payments/dummy/{payment['intent_id']}/succeed")
    assert paid.json() == {"intent_id": payment["intent_id"], "status": "succeeded"}

    detail = call("get", f"orders/{order['id']}").json()
    assert detail["status"] == "paid"
    assert [h["status"] for h in detail["history"]] == ["confirmed", "paid"]
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (3, 0)
    assert not Reservation.objects.filter(order_id=order["id"], status="pending").exists()
    assert [u.state for u in promotion_usage_list(order_id=order["id"])] == ["used"]
    promotion = staff_client.get(f"{API}/promotions/{coupon.json()['id']}").json()
    assert promotion["current_uses"] == 1
    assert call("get", "cart").json()["items"] == []
    assert len(mail.outbox) == 1
    confirmation = mail.outbox[0]
    assert order["order_number"] in confirmation.subject
    assert confirmation.to == ["eve@example.com"]
    assert order["order_number"] in confirmation.body and "72.00" in confirmation.body
    assert stock_reconcile() == []
