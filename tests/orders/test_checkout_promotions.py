"""Checkout with promotions: the discount allocated to lines and taxed after it, coupons that
cannot be used refused before anything is placed, the coupon use held in the placing
transaction and given back by every undo, first-order offers, and limits exact under racing
checkouts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.inventory.models import Reservation, StockLevel
from apps.inventory.services import reservations_expire, stock_reconcile
from apps.orders.models import Order, TaxRate
from apps.orders.services import Actor, checkout, order_cancel
from apps.promotions.exceptions import InvalidCoupon
from apps.promotions.models import Promotion
from apps.promotions.services import promotion_usage_list
from tests.accounts.errors import assert_error
from tests.accounts.factories import UserFactory
from tests.orders.conftest import ADDRESS, CHECKOUT, body
from tests.payments.doubles import UNAVAILABLE
from tests.promotions.factories import make_coupon, make_promotion
from tests.support.parallel import run_parallel


def _uses(promotion) -> int:
    return Promotion.objects.get(id=promotion.id).current_uses


def _checkout(user, **kwargs):
    return checkout(
        user_id=user.id, shipping_address=dict(ADDRESS), shipping_method="standard", **kwargs
    )


@pytest.mark.django_db
def test_the_discount_is_allocated_to_the_lines_and_tax_is_on_the_discounted_subtotal(
    user, user_client, make_variant, fill_cart, django_capture_on_commit_callbacks
):
    make_coupon("TENOFF", type="fixed", value=Decimal("10.00"))
    TaxRate.objects.create(country="US", state="IL", rate=Decimal("0.0625"))
    shirt, mug = make_variant(price="20.00"), make_variant(price="10.00")
    fill_cart(user, (shirt, 1), (mug, 1))

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(CHECKOUT, body(coupon_code="tenoff"), format="json")

    assert response.status_code == 201, response.content
    order = response.json()["order"]
    assert (order["subtotal"], order["discount"], order["shipping"]) == ("30.00", "10.00", "5.00")
    assert order["tax"] == "1.25"  # 6.25 % of 20.00; shipping untaxed
    assert order["total"] == "26.25"
    shares = [Decimal(item["discount"]) for item in order["items"]]
    assert sum(shares) == Decimal("10.00") and all(share > 0 for share in shares)
    for item in order["items"]:
        assert Decimal(item["total_price"]) == (
            Decimal(item["unit_price"]) * item["quantity"] - Decimal(item["discount"])
        )
    assert order["coupon_code"] == "TENOFF"
    assert [u.state for u in promotion_usage_list(order_id=order["id"])] == ["held"]


@pytest.mark.django_db
def test_a_coupon_that_cannot_be_used_is_400_and_places_nothing(
    user, user_client, make_variant, fill_cart
):
    make_coupon(
        "GONE",
        start_date=timezone.now() - timedelta(days=2),
        end_date=timezone.now() - timedelta(days=1),
    )
    make_coupon("BIGSPEND", conditions={"min_amount": "500.00"})
    fill_cart(user, (make_variant(), 1))
    for code, reason in [("NOPE", "unknown"), ("gone", "expired"), ("BIGSPEND", "min_amount")]:
        error = assert_error(
            user_client.post(CHECKOUT, body(coupon_code=code), format="json"), 400, "invalid_coupon"
        )
        assert error["details"]["reason"] == reason
    assert not Order.objects.exists() and not Reservation.objects.exists()


@pytest.mark.django_db
def test_a_provider_failure_gives_the_coupon_use_back(
    user, make_variant, fill_cart, settings, django_capture_on_commit_callbacks
):
    coupon = make_coupon("ONCE", max_uses=1)
    fill_cart(user, (make_variant(), 1))
    settings.PAYMENT_PROVIDER = UNAVAILABLE
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception) as raised:
        _checkout(user, coupon_code="ONCE")
    assert raised.value.code == "payment_unavailable"
    assert _uses(coupon) == 0
    order = Order.objects.get()
    assert [u.state for u in promotion_usage_list(order_id=order.id)] == ["void"]

    settings.PAYMENT_PROVIDER = "dummy"  # the only use is free again for the next checkout
    with django_capture_on_commit_callbacks(execute=True):
        result = _checkout(user, coupon_code="ONCE")
    assert result.order.discount > 0 and _uses(coupon) == 1


@pytest.mark.django_db
def test_cancelling_or_expiring_an_unpaid_order_gives_the_use_back_paying_keeps_it(
    user, place, pay, django_capture_on_commit_callbacks
):
    coupon = make_coupon("THRICE", max_uses=3)
    _, cancelled = place(user, coupon_code="THRICE")
    _, expired = place(UserFactory(), coupon_code="THRICE")
    _, paid = place(UserFactory(), coupon_code="THRICE")
    assert _uses(coupon) == 3

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=cancelled.order.id, actor=Actor.customer(user.id))
    pay(paid)
    Reservation.objects.filter(order_id=expired.order.id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        reservations_expire()

    assert Order.objects.get(id=expired.order.id).status == "cancelled"
    assert _uses(coupon) == 1
    states = {
        r.order.id: [u.state for u in promotion_usage_list(order_id=r.order.id)]
        for r in (cancelled, expired, paid)
    }
    assert states == {
        cancelled.order.id: ["void"],
        expired.order.id: ["void"],
        paid.order.id: ["used"],
    }


@pytest.mark.django_db
def test_a_first_order_offer_applies_to_the_first_order_only(
    user, make_variant, fill_cart, django_capture_on_commit_callbacks
):
    make_promotion(name="Welcome", value=Decimal("20"), conditions={"first_time_only": True})
    variant = make_variant(price="10.00", stock=10)
    fill_cart(user, (variant, 1))
    with django_capture_on_commit_callbacks(execute=True):
        first = _checkout(user)
    fill_cart(user, (variant, 1))
    with django_capture_on_commit_callbacks(execute=True):
        second = _checkout(user)
    assert (first.order.discount, second.order.discount) == (Decimal("2.00"), Decimal("0.00"))


@pytest.mark.django_db(transaction=True)
def test_a_coupon_with_five_uses_and_twenty_racing_checkouts_places_exactly_five(
    make_variant, fill_cart
):
    coupon = make_coupon("FIVE", max_uses=5)
    first, second = make_variant(stock=40), make_variant(stock=40)
    buyers = [UserFactory() for _ in range(20)]
    for i, buyer in enumerate(buyers):  # multi-line carts in both orders: stock, then coupon
        fill_cart(buyer, *([(first, 1), (second, 1)] if i % 2 else [(second, 1), (first, 1)]))

    results = run_parallel(20, lambda i: _checkout(buyers[i], coupon_code="FIVE"))

    placed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, InvalidCoupon)]
    assert len(placed) == 5 and len(refused) == 15, [r for r in results if isinstance(r, Exception)]
    assert {r.details["reason"] for r in refused} == {"exhausted"}
    assert _uses(coupon) == 5
    assert Order.objects.count() == 5  # a refused hold rolled its order back
    for variant in (first, second):
        assert StockLevel.objects.get(variant_id=variant.id).reserved == 5
    assert stock_reconcile() == []
