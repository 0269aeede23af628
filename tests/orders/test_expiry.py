"""Reservation expiry and late payments: an unpaid order is cancelled when its stock hold
runs out (also after a crash between placing and paying); a payment that arrives after the
expiry re-reserves when the stock allows, else the order stays cancelled and is refunded."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.inventory.models import Reservation, StockLevel
from apps.inventory.services import reservation_create, reservations_expire, stock_reconcile
from apps.orders.models import Order
from apps.orders.services import checkout
from apps.payments.models import Payment
from apps.payments.providers.dummy import DummyProvider
from apps.payments.services import payment_succeeded_record
from shop.events.models import OutboxEvent
from shop.events.outbox import event_dispatch
from tests.orders.conftest import ADDRESS
from tests.payments.doubles import DYING, ProcessDied

pytestmark = pytest.mark.django_db


def _expire(capture, *, deliver: bool = True) -> None:
    """Run the expiry job as if its time had come; `deliver=False` leaves its events in the
    outbox (the receiver has not run yet)."""
    later = timezone.now() + timedelta(seconds=3600)
    if deliver:
        with capture(execute=True):
            reservations_expire(now=later)
    else:
        reservations_expire(now=later)


def test_expiry_cancels_the_unpaid_order_and_its_intent(
    user, place, django_capture_on_commit_callbacks
):
    variant, result = place(user, quantity=2, stock=5)

    _expire(django_capture_on_commit_callbacks)

    order = Order.objects.get(id=result.order.id)
    assert order.status == "cancelled" and order.cancel_reason == "reservation_expired"
    last = order.history.order_by("-id").first()
    assert (last.from_status, last.to_status, last.note, last.actor) == (
        "confirmed",
        "cancelled",
        "reservation expired",
        "system",
    )
    assert DummyProvider().intent_retrieve(intent_id=result.intent_id).status == "canceled"
    assert Payment.objects.get(order_id=order.id).status == "canceled"
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (5, 0)
    # The event is handled once: delivering it again changes nothing.
    event = OutboxEvent.objects.get(name="reservation.expired")
    assert event.payload["order_id"] == str(order.id)
    history = order.history.count()
    OutboxEvent.objects.filter(id=event.id).update(status="pending")
    event_dispatch(event.id)
    assert order.history.count() == history
    assert stock_reconcile() == []


def test_a_crash_between_placing_and_paying_is_cleaned_up_by_expiry(
    user, make_variant, fill_cart, settings, django_capture_on_commit_callbacks
):
    variant = make_variant(stock=3)
    fill_cart(user, (variant, 3))
    settings.PAYMENT_PROVIDER = DYING
    with pytest.raises(ProcessDied):
        checkout(user_id=user.id, shipping_address=dict(ADDRESS), shipping_method="standard")
    order = Order.objects.get()
    assert order.status == "pending"  # step 3 committed, step 4 never happened
    assert StockLevel.objects.get(variant_id=variant.id).reserved == 3

    _expire(django_capture_on_commit_callbacks)

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert StockLevel.objects.get(variant_id=variant.id).reserved == 0
    assert stock_reconcile() == []


def test_payment_before_the_expiry_is_applied_reserves_again_and_pays(
    user, place, pay, django_capture_on_commit_callbacks
):
    variant, result = place(user, quantity=2, stock=5)
    _expire(django_capture_on_commit_callbacks, deliver=False)  # released, order not yet told
    assert Order.objects.get(id=result.order.id).status == "confirmed"

    pay(result)

    order = Order.objects.get(id=result.order.id)
    assert order.status == "paid"
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (3, 0)
    # The expiry event arrives afterwards: the paid order is left alone.
    with django_capture_on_commit_callbacks(execute=True):
        for event in OutboxEvent.objects.filter(name="reservation.expired", status="pending"):
            event_dispatch(event.id)
    order.refresh_from_db()
    assert order.status == "paid"
    assert stock_reconcile() == []


def test_payment_for_an_expired_cancelled_order_comes_back_paid_when_stock_allows(
    user, place, django_capture_on_commit_callbacks
):
    variant, result = place(user, quantity=2, stock=5)
    _expire(django_capture_on_commit_callbacks)
    assert Order.objects.get(id=result.order.id).status == "cancelled"

    # The customer's payment went through at the provider just before the cancel reached it.
    with django_capture_on_commit_callbacks(execute=True):
        payment_succeeded_record(provider="dummy", intent_id=result.intent_id)

    order = Order.objects.get(id=result.order.id)
    assert order.status == "paid"
    assert [h.to_status for h in order.history.order_by("id")][-2:] == ["cancelled", "paid"]
    assert StockLevel.objects.get(variant_id=variant.id).quantity == 3
    assert Reservation.objects.filter(order_id=order.id, status="confirmed").count() == 1
    assert order.refund_due == 0
    assert stock_reconcile() == []


def test_payment_after_expiry_when_the_stock_is_gone_is_refunded_in_full(
    user, place, django_capture_on_commit_callbacks
):
    variant, result = place(user, quantity=2, stock=2)
    # The customer pays at the provider; its report comes only after the expiry.
    DummyProvider().intent_pay(intent_id=result.intent_id, succeed=True)
    _expire(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        reservation_create(order_id=uuid.uuid4(), lines=[(variant.id, 2)])  # someone else's
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        payment_succeeded_record(provider="dummy", intent_id=result.intent_id)

    order = Order.objects.get(id=result.order.id)
    assert (order.status, order.refund_due) == ("cancelled", Decimal("0.00"))
    notes = list(order.history.order_by("id").values_list("note", flat=True))
    assert any(note.startswith("refunded: stock gone") for note in notes)
    assert notes[-1].startswith("refunded 60.00 USD")
    payment = Payment.objects.get(order_id=order.id)
    assert (payment.status, payment.amount_refunded) == ("succeeded", Decimal("60.00"))
    assert [m.subject for m in mail.outbox] == [f"A refund for your order {order.order_number}"]
    assert mail.outbox[0].to == [order.email]
    assert StockLevel.objects.get(variant_id=variant.id).reserved == 2  # the other order's
    assert stock_reconcile() == []
