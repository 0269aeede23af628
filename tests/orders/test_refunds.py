"""`POST orders/{id}/refunds` (staff) through the Stripe provider and its double: partial
refunds up to the total and never past it, line refunds that add up to the cent on a
discounted and taxed order, replays with the same Idempotency-Key, a provider outage."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from apps.orders.models import Order, TaxRate
from apps.orders.services.refunds import line_values
from apps.payments.models import Payment, Refund
from apps.payments.services import refunds_retry
from tests.accounts.errors import assert_error
from tests.orders.conftest import CHECKOUT, body
from tests.payments.stripe_double import WEBHOOK_SECRET, webhook_post
from tests.promotions.factories import make_coupon

pytestmark = pytest.mark.django_db


def _refund(client, order_id, data, capture, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    with capture(execute=True):
        return client.post(f"/api/v1/orders/{order_id}/refunds", data, format="json", **headers)


@pytest.fixture
def paid_order(
    user, user_client, make_variant, fill_cart, stripe_double, django_capture_on_commit_callbacks
):
    """paid_order(*lines: (price, quantity), coupon=None) -> the order's API body, paid
    through Stripe (the double) and its webhook."""

    def make(*lines, coupon=None):
        variants = [make_variant(price=price, stock=10) for price, _ in lines]
        fill_cart(user, *[(v, q) for v, (_, q) in zip(variants, lines, strict=True)])
        extra = {"coupon_code": coupon} if coupon else {}
        with django_capture_on_commit_callbacks(execute=True):
            placed = user_client.post(CHECKOUT, body(**extra), format="json")
        assert placed.status_code == 201, placed.content
        intent_id = placed.json()["payment"]["intent_id"]
        stripe_double.intent_succeed(intent_id)
        event = stripe_double.events_of("payment_intent.succeeded")[-1]
        with django_capture_on_commit_callbacks(execute=True):
            assert webhook_post(user_client, event, WEBHOOK_SECRET).status_code == 200
        order = user_client.get(f"/api/v1/orders/{placed.json()['order']['id']}").json()
        assert order["status"] == "paid"
        return order, variants

    return make


def test_two_partial_refunds_reaching_the_total_make_it_refunded_and_a_third_is_400(
    staff_client, paid_order, stripe_double, django_capture_on_commit_callbacks
):
    order, _ = paid_order(("30.00", 2))  # 60.00, free shipping
    mail.outbox.clear()

    first = _refund(
        staff_client,
        order["id"],
        {"amount": "25.00", "reason": "late"},
        django_capture_on_commit_callbacks,
    )
    assert first.status_code == 201, first.content
    assert (first.json()["amount"], first.json()["status"]) == ("25.00", "succeeded")
    assert Order.objects.get(id=order["id"]).status == "paid"  # partial: the status stays
    second = _refund(
        staff_client, order["id"], {"amount": "35.00"}, django_capture_on_commit_callbacks
    )
    assert second.status_code == 201, second.content

    refunded = Order.objects.get(id=order["id"])
    assert (refunded.status, refunded.refund_due) == ("refunded", Decimal("0.00"))
    assert refunded.history.order_by("-id").first().to_status == "refunded"
    assert sorted(r["amount"] for r in stripe_double.refunds.values()) == [2500, 3500]
    payment = Payment.objects.get(order_id=order["id"])
    assert payment.amount_refunded == Decimal("60.00")
    assert len([m for m in mail.outbox if "refund" in m.subject]) == 2

    third = _refund(
        staff_client, order["id"], {"amount": "0.01"}, django_capture_on_commit_callbacks
    )
    error = assert_error(third, 400, "invalid")
    assert set(error["details"]) == {"amount"}
    assert Refund.objects.filter(payment=payment).count() == 2
    assert len(stripe_double.refunds) == 2


def test_a_refund_above_what_remains_is_400_and_writes_nothing(
    staff_client, paid_order, stripe_double, django_capture_on_commit_callbacks
):
    order, _ = paid_order(("30.00", 2))
    response = _refund(
        staff_client, order["id"], {"amount": "60.01"}, django_capture_on_commit_callbacks
    )
    assert assert_error(response, 400, "invalid")["details"]["amount"]
    for data, field in [
        ({}, "amount"),
        ({"amount": "-1.00"}, "amount"),
        (
            {
                "amount": "1.00",
                "lines": [{"variant_id": order["items"][0]["variant_id"], "quantity": 1}],
            },
            "amount",
        ),
        (
            {"lines": [{"variant_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}]},
            "lines",
        ),
        ({"lines": [{"variant_id": order["items"][0]["variant_id"], "quantity": 3}]}, "lines"),
    ]:
        error = assert_error(
            _refund(staff_client, order["id"], data, django_capture_on_commit_callbacks),
            400,
            "invalid",
        )
        assert field in error["details"], (data, error)
    assert not Refund.objects.exists() and stripe_double.refunds == {}
    assert Order.objects.get(id=order["id"]).history.count() == 2  # confirmed, paid


def test_refunds_are_for_staff_only(user_client, paid_order, django_capture_on_commit_callbacks):
    order, _ = paid_order(("30.00", 1))
    response = _refund(
        user_client, order["id"], {"amount": "1.00"}, django_capture_on_commit_callbacks
    )
    assert_error(response, 403, "permission_denied")


def test_a_replay_with_the_same_key_answers_the_first_refund_and_refunds_once(
    staff_client, paid_order, stripe_double, django_capture_on_commit_callbacks
):
    order, _ = paid_order(("30.00", 2))
    first = _refund(
        staff_client,
        order["id"],
        {"amount": "10.00"},
        django_capture_on_commit_callbacks,
        key="r-1",
    )
    again = _refund(
        staff_client,
        order["id"],
        {"amount": "10.00"},
        django_capture_on_commit_callbacks,
        key="r-1",
    )
    other = _refund(
        staff_client,
        order["id"],
        {"amount": "11.00"},
        django_capture_on_commit_callbacks,
        key="r-1",
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert_error(other, 409, "idempotency_conflict")
    assert Refund.objects.count() == 1 and len(stripe_double.refunds) == 1
    assert Payment.objects.get(order_id=order["id"]).amount_refunded == Decimal("10.00")


def test_line_refunds_of_a_discounted_taxed_order_add_up_to_the_cent(
    staff_client, paid_order, stripe_double, django_capture_on_commit_callbacks
):
    make_coupon("THIRD", type="percentage", value=Decimal("33.33"))
    TaxRate.objects.create(country="US", state="IL", rate=Decimal("0.0725"))
    order, (shirt, mug) = paid_order(("19.99", 3), ("7.77", 2), coupon="THIRD")
    total = Decimal(order["total"])
    shipping = Decimal(order["shipping"])
    assert Decimal(order["discount"]) > 0 and Decimal(order["tax"]) > 0

    amounts = []
    for variant, quantity in [(shirt, 1), (mug, 1), (shirt, 1), (shirt, 1), (mug, 1)]:
        response = _refund(
            staff_client,
            order["id"],
            {"lines": [{"variant_id": str(variant.id), "quantity": quantity}]},
            django_capture_on_commit_callbacks,
        )
        assert response.status_code == 201, response.content
        amounts.append(Decimal(response.json()["amount"]))
        assert response.json()["lines"][0]["quantity"] == quantity

    # Every unit refunded: exactly the merchandise after discount, plus its tax.
    assert sum(amounts) == total - shipping
    payment = Payment.objects.get(order_id=order["id"])
    assert payment.amount_refunded == total - shipping
    assert sum(r["amount"] for r in stripe_double.refunds.values()) == int((total - shipping) * 100)
    again = _refund(
        staff_client,
        order["id"],
        {"lines": [{"variant_id": str(mug.id), "quantity": 1}]},
        django_capture_on_commit_callbacks,
    )
    assert "lines" in assert_error(again, 400, "invalid")["details"]
    # The shipping is refunded by amount; then the order is refunded.
    rest = _refund(
        staff_client, order["id"], {"amount": str(shipping)}, django_capture_on_commit_callbacks
    )
    if shipping:
        assert rest.status_code == 201
    assert Order.objects.get(id=order["id"]).status == "refunded"


@hsettings(max_examples=60, deadline=None)
@given(
    totals=st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=6),
    tax=st.integers(min_value=0, max_value=20_000),
)
def test_line_values_share_the_tax_exactly(totals, tax):
    class Line:
        def __init__(self, position, total):
            self.position, self.variant_id = position, position
            self.total_price = Decimal(total) / 100

    lines = [Line(i, total) for i, total in enumerate(totals)]
    values = line_values(lines, tax=Decimal(tax) / 100)
    assert sum(values.values()) == sum(line.total_price for line in lines) + Decimal(tax) / 100
    assert all(values[line.variant_id] >= line.total_price for line in lines)


def test_with_stripe_down_the_refund_is_pending_due_and_made_by_the_retry(
    staff_client, paid_order, stripe_double, django_capture_on_commit_callbacks
):
    order, _ = paid_order(("30.00", 2))
    stripe_double.fail_next(2, status=503)  # the receiver's attempt and the request's own

    response = _refund(
        staff_client, order["id"], {"amount": "20.00"}, django_capture_on_commit_callbacks
    )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    refund = Refund.objects.get()
    assert refund.status == "pending" and refund.attempts >= 1
    assert Payment.objects.get(order_id=order["id"]).refund_due == Decimal("20.00")
    assert Order.objects.get(id=order["id"]).refund_due == Decimal("20.00")
    assert stripe_double.refunds == {}

    # Stripe is back (the two failures are spent).
    with django_capture_on_commit_callbacks(execute=True):
        assert refunds_retry(now=timezone.now()) == 0  # too young: left to its receiver
        assert refunds_retry(now=timezone.now() + timedelta(minutes=5)) == 1

    refund.refresh_from_db()
    assert refund.status == "succeeded"
    payment = Payment.objects.get(order_id=order["id"])
    assert (payment.amount_refunded, payment.refund_due) == (Decimal("20.00"), Decimal("0.00"))
    assert Order.objects.get(id=order["id"]).refund_due == Decimal("0.00")
    assert [r["amount"] for r in stripe_double.refunds.values()] == [2000]


def test_a_paid_order_cancelled_by_staff_is_refunded_in_full_through_stripe(
    staff_client, paid_order, stripe_double, django_capture_on_commit_callbacks
):
    order, (variant,) = paid_order(("30.00", 2))
    _refund(staff_client, order["id"], {"amount": "5.00"}, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/api/v1/orders/{order['id']}/cancel", {"reason": "fraud check"}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["history"][-1]["note"] == ("fraud check; refund of 55.00 USD requested")
    notes = Order.objects.get(id=order["id"]).history.order_by("id").values_list("note", flat=True)
    assert list(notes)[-1] == "refunded 55.00 USD (fraud check)"
    assert sorted(r["amount"] for r in stripe_double.refunds.values()) == [500, 5500]
    assert Payment.objects.get(order_id=order["id"]).amount_refunded == Decimal("60.00")
    assert Order.objects.get(id=order["id"]).status == "cancelled"
