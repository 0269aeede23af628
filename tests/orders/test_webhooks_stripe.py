"""Checkout with PAYMENT_PROVIDER=stripe end to end: the SDK talks to the Stripe double over
HTTP, the customer pays there, and the double's events reach the shop as signed webhooks —
twice at once, after a cancel, after the reservation expired (re-reserved, or refunded in full
through Stripe when the stock is gone)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from apps.inventory.models import StockLevel
from apps.inventory.services import reservation_create, reservations_expire, stock_reconcile
from apps.orders.models import Order, OrderEmail
from apps.payments.models import Payment, Refund, WebhookEvent
from shop.events.models import OutboxEvent
from tests.conftest import bearer_client
from tests.orders.conftest import CHECKOUT, body
from tests.payments.stripe_double import WEBHOOK_SECRET, webhook_post
from tests.support.parallel import run_parallel


def _checkout(user, make_variant, fill_cart, capture, *, quantity=2, stock=5):
    variant = make_variant(price="30.00", stock=stock)
    fill_cart(user, (variant, quantity))
    with capture(execute=True):
        response = bearer_client(user).post(CHECKOUT, body(), format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["payment"]["provider"] == "stripe"
    return variant, answer["order"]["id"], answer["payment"]["intent_id"]


def _deliver(event, capture):
    with capture(execute=True):
        response = webhook_post(APIClient(), event, WEBHOOK_SECRET)
    assert response.status_code == 200, response.content
    return response.json()["result"]


def _notes(order_id) -> list[str]:
    return list(
        Order.objects.get(id=order_id).history.order_by("id").values_list("note", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_succeeded_delivered_four_times_at_once_confirms_the_order_once(
    user, make_variant, fill_cart, stripe_double, django_capture_on_commit_callbacks
):
    variant, order_id, intent_id = _checkout(
        user, make_variant, fill_cart, django_capture_on_commit_callbacks
    )
    stripe_double.intent_succeed(intent_id)
    event = stripe_double.events_of("payment_intent.succeeded")[0]
    # Stripe redelivers the same event (same id); another event about the same intent has
    # its own id. Four deliveries race through real threads, each with its own connection.
    deliveries = [event, event, {**event, "id": "evt_other_1"}, {**event, "id": "evt_other_2"}]

    results = run_parallel(4, lambda i: webhook_post(APIClient(), deliveries[i], WEBHOOK_SECRET))

    assert [r.status_code for r in results] == [200] * 4, results
    assert sorted(r.json()["result"] for r in results) == [
        "applied",
        "applied",
        "applied",
        "duplicate",
    ]
    assert WebhookEvent.objects.count() == 3
    assert OutboxEvent.objects.filter(name="payment.succeeded").count() == 1
    order = Order.objects.get(id=order_id)
    assert order.status == "paid"
    assert order.history.filter(to_status="paid").count() == 1
    assert OrderEmail.objects.filter(order=order, kind="confirmation").count() == 1
    assert len([m for m in mail.outbox if "confirmed" in m.subject]) == 1
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (3, 0)
    assert stock_reconcile() == []


@pytest.mark.django_db
def test_success_after_the_customer_cancelled_is_refunded_in_full_through_stripe(
    user, make_variant, fill_cart, stripe_double, django_capture_on_commit_callbacks
):
    variant, order_id, intent_id = _checkout(
        user, make_variant, fill_cart, django_capture_on_commit_callbacks
    )
    stripe_double.intent_succeed(intent_id)  # paid at Stripe; the webhook is still on its way
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = bearer_client(user).post(f"/api/v1/orders/{order_id}/cancel", {}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    # Cancelling the intent found it succeeded: the payment is not marked canceled.
    assert Payment.objects.get(intent_id=intent_id).status == "requires_payment"
    mail.outbox.clear()

    assert (
        _deliver(
            stripe_double.events_of("payment_intent.succeeded")[0],
            django_capture_on_commit_callbacks,
        )
        == "applied"
    )

    order = Order.objects.get(id=order_id)
    assert (order.status, order.refund_due) == ("cancelled", Decimal("0.00"))
    assert [r["amount"] for r in stripe_double.refunds.values()] == [6000]
    payment = Payment.objects.get(intent_id=intent_id)
    assert (payment.status, payment.amount_refunded) == ("succeeded", Decimal("60.00"))
    notes = _notes(order_id)
    assert notes[-2] == (
        "refunded: payment received for a cancelled order; refund of 60.00 USD requested"
    )
    assert notes[-1].startswith("refunded 60.00 USD")
    assert [m.subject for m in mail.outbox] == [f"A refund for your order {order.order_number}"]
    # Stripe then reports the refund: recognised as ours, nothing changes.
    assert (
        _deliver(stripe_double.events_of("charge.refunded")[0], django_capture_on_commit_callbacks)
        == "applied"
    )
    assert Refund.objects.filter(payment=payment).count() == 1
    assert Payment.objects.get(id=payment.id).amount_refunded == Decimal("60.00")
    assert StockLevel.objects.get(variant_id=variant.id).reserved == 0
    assert stock_reconcile() == []


def _expire(capture):
    with capture(execute=True):
        reservations_expire(now=timezone.now() + timedelta(hours=1))


@pytest.mark.django_db
def test_success_after_expiry_is_re_reserved_when_the_stock_allows(
    user, make_variant, fill_cart, stripe_double, django_capture_on_commit_callbacks
):
    variant, order_id, intent_id = _checkout(
        user, make_variant, fill_cart, django_capture_on_commit_callbacks
    )
    stripe_double.intent_succeed(intent_id)
    _expire(django_capture_on_commit_callbacks)
    assert Order.objects.get(id=order_id).status == "cancelled"

    _deliver(
        stripe_double.events_of("payment_intent.succeeded")[0], django_capture_on_commit_callbacks
    )

    order = Order.objects.get(id=order_id)
    assert order.status == "paid" and order.cancel_reason == ""
    assert "stock reserved again" in _notes(order_id)[-1]
    assert StockLevel.objects.get(variant_id=variant.id).quantity == 3
    assert stripe_double.refunds == {}
    assert stock_reconcile() == []


@pytest.mark.django_db
def test_success_after_expiry_with_the_stock_gone_is_refunded_and_the_customer_told(
    user, make_variant, fill_cart, stripe_double, django_capture_on_commit_callbacks
):
    variant, order_id, intent_id = _checkout(
        user, make_variant, fill_cart, django_capture_on_commit_callbacks, stock=2
    )
    stripe_double.intent_succeed(intent_id)
    _expire(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        reservation_create(order_id=uuid.uuid4(), lines=[(variant.id, 2)])  # someone else's
    mail.outbox.clear()

    _deliver(
        stripe_double.events_of("payment_intent.succeeded")[0], django_capture_on_commit_callbacks
    )

    order = Order.objects.get(id=order_id)
    assert order.status == "cancelled"
    notes = _notes(order_id)
    assert any(note.startswith("refunded: stock gone") for note in notes)
    assert notes[-1].startswith("refunded 60.00 USD")
    refund = Refund.objects.get(payment__intent_id=intent_id)
    assert (refund.status, refund.amount) == ("succeeded", Decimal("60.00"))
    assert stripe_double.refunds[refund.provider_refund_id]["metadata"]["refund_id"] == str(
        refund.id
    )
    assert [m.subject for m in mail.outbox] == [f"A refund for your order {order.order_number}"]
    assert mail.outbox[0].to == [order.email]
    assert "60.00 USD" in mail.outbox[0].body
    assert StockLevel.objects.get(variant_id=variant.id).reserved == 2  # the other order's
    assert stock_reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_a_success_racing_the_expiry_ends_with_one_consistent_outcome(
    user, make_variant, fill_cart, stripe_double, django_capture_on_commit_callbacks
):
    variant, order_id, intent_id = _checkout(
        user, make_variant, fill_cart, django_capture_on_commit_callbacks, stock=2
    )
    stripe_double.intent_succeed(intent_id)
    event = stripe_double.events_of("payment_intent.succeeded")[0]
    later = timezone.now() + timedelta(hours=1)

    def work(i):
        if i == 0:
            return webhook_post(APIClient(), event, WEBHOOK_SECRET).status_code
        return reservations_expire(now=later)

    results = run_parallel(2, work)

    assert results[0] == 200, results
    order = Order.objects.get(id=order_id)
    payment = Payment.objects.get(intent_id=intent_id)
    # Either the payment won (paid, stock sold) or the expiry did and the stock came back:
    # then the order is re-reserved and paid all the same (nobody else wanted the stock).
    assert order.status == "paid"
    assert payment.amount_refunded == 0 and stripe_double.refunds == {}
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (0, 0)
    assert order.history.filter(to_status="paid").count() == 1
    assert stock_reconcile() == []
