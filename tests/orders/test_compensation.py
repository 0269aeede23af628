"""Failures after the placing transaction are undone: no order left confirmed, stock and
coupon use given back, the cart as it was; the client gets a clear error, never a 500."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail

from apps.cart.services import CartOwner, cart_get
from apps.inventory.models import Reservation, StockLevel
from apps.inventory.services import reservation_create, stock_reconcile
from apps.orders.models import Order
from apps.payments.models import Payment
from tests.accounts.errors import assert_error
from tests.orders.conftest import CHECKOUT, body
from tests.orders.metrics import checkouts_counted
from tests.payments.doubles import UNAVAILABLE

pytestmark = pytest.mark.django_db


def test_provider_failing_at_intent_creation_undoes_the_order_and_keeps_the_cart(
    user, user_client, make_variant, fill_cart, settings, django_capture_on_commit_callbacks
):
    variant = make_variant(price="20.00", stock=3)
    fill_cart(user, (variant, 2))
    cart_before = cart_get(owner=CartOwner.for_user(user.id))
    settings.PAYMENT_PROVIDER = UNAVAILABLE

    with checkouts_counted() as counted, django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(CHECKOUT, body(), format="json")

    assert_error(response, 502, "payment_unavailable")
    assert counted() == {"payment_unavailable": 1}
    order = Order.objects.get()  # placed in step 3, then undone
    assert order.status == "cancelled"
    assert order.cancel_reason == "checkout_failed"
    assert [(h.from_status, h.to_status) for h in order.history.order_by("id")] == [
        ("pending", "cancelled")
    ]
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (3, 0)
    assert set(Reservation.objects.values_list("status", flat=True)) == {"released"}
    assert not Payment.objects.exists()
    assert not mail.outbox  # the customer never saw this order: no "cancelled" email
    cart_after = cart_get(owner=CartOwner.for_user(user.id))
    assert (cart_after.version, cart_after.lines) == (cart_before.version, cart_before.lines)
    assert stock_reconcile() == []

    # The provider is back: the same cart checks out.
    settings.PAYMENT_PROVIDER = "dummy"
    with checkouts_counted() as counted, django_capture_on_commit_callbacks(execute=True):
        retry = user_client.post(CHECKOUT, body(), format="json")
    assert retry.status_code == 201
    assert counted() == {"placed": 1}
    assert StockLevel.objects.get(variant_id=variant.id).reserved == 2


def test_short_stock_places_nothing_names_the_variant_and_keeps_the_cart(
    user, user_client, make_variant, fill_cart, django_capture_on_commit_callbacks
):
    plenty, scarce = make_variant(stock=10), make_variant(stock=3)
    fill_cart(user, (plenty, 1), (scarce, 3))
    reservation_create(order_id=uuid.uuid4(), lines=[(scarce.id, 2)])  # someone else's hold
    cart_before = cart_get(owner=CartOwner.for_user(user.id))

    with checkouts_counted() as counted, django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(CHECKOUT, body(), format="json")

    error = assert_error(response, 409, "insufficient_stock")
    assert counted() == {"insufficient_stock": 1}
    assert error["details"] == {
        "items": [{"variant_id": str(scarce.id), "requested": 3, "available": 1}]
    }
    assert not Order.objects.exists()
    assert Reservation.objects.count() == 1  # only the other hold
    assert stock_reconcile() == []
    assert cart_get(owner=CartOwner.for_user(user.id)).version == cart_before.version
