"""What a payment's outcome does to the order (through the outbox receivers)."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.inventory.models import Reservation, StockLevel
from apps.inventory.services import stock_reconcile
from apps.orders.models import Order, OrderEmail
from apps.payments.models import Payment
from tests.orders.conftest import CHECKOUT, body

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(user, user_client, make_variant, fill_cart, django_capture_on_commit_callbacks):
    """A confirmed order of 2 units (stock 5) and its checkout answer."""
    variant = make_variant(price="30.00", stock=5)
    fill_cart(user, (variant, 2))
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(CHECKOUT, body(), format="json")
    assert response.status_code == 201, response.content
    return variant, response.json()


def _dummy(client, intent_id, outcome, capture):
    with capture(execute=True):
        return client.post(f"/api/v1/payments/dummy/{intent_id}/{outcome}")


def test_dummy_success_pays_the_order_sells_the_stock_and_emails_once(
    placed, user_client, django_capture_on_commit_callbacks
):
    variant, answer = placed
    intent_id = answer["payment"]["intent_id"]

    response = _dummy(user_client, intent_id, "succeed", django_capture_on_commit_callbacks)

    assert response.status_code == 200, response.content
    assert response.json() == {"intent_id": intent_id, "status": "succeeded"}
    order = Order.objects.get(id=answer["order"]["id"])
    assert order.status == "paid" and order.paid_at is not None
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (3, 0)
    assert set(Reservation.objects.filter(order_id=order.id).values_list("status", flat=True)) == {
        "confirmed"
    }
    assert len(mail.outbox) == 1
    assert order.order_number in mail.outbox[0].subject
    assert mail.outbox[0].to == [order.email]
    assert mail.outbox[0].alternatives[0][1] == "text/html"

    # A repeated success changes nothing: no second sale, no second email, no new history.
    history = order.history.count()
    again = _dummy(user_client, intent_id, "succeed", django_capture_on_commit_callbacks)
    assert again.status_code == 200
    assert StockLevel.objects.get(variant_id=variant.id).quantity == 3
    assert len(mail.outbox) == 1
    assert order.history.count() == history
    assert OrderEmail.objects.filter(order=order).count() == 1
    assert stock_reconcile() == []


def test_failed_payment_leaves_the_order_confirmed_and_payable(
    placed, user_client, django_capture_on_commit_callbacks
):
    _variant, answer = placed
    intent_id = answer["payment"]["intent_id"]

    failed = _dummy(user_client, intent_id, "fail", django_capture_on_commit_callbacks)
    assert failed.status_code == 200
    assert failed.json()["status"] == "failed"
    order = Order.objects.get(id=answer["order"]["id"])
    assert order.status == "confirmed"
    assert "payment failed" in order.history.order_by("-id").first().note

    paid = _dummy(user_client, intent_id, "succeed", django_capture_on_commit_callbacks)
    assert paid.json()["status"] == "succeeded"
    order.refresh_from_db()
    assert order.status == "paid"
    assert Payment.objects.get(order_id=order.id).status == "succeeded"
