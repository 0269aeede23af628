"""orders, orders/{id}, cancel, status, shipping-methods through HTTP."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.inventory.models import StockLevel
from apps.inventory.services import stock_reconcile
from apps.orders.models import Order
from apps.orders.state_machine import STAFF, TRANSITIONS, Status
from apps.payments.models import Payment, Refund
from apps.payments.providers.dummy import DummyProvider
from tests.accounts.errors import assert_error
from tests.accounts.factories import UserFactory
from tests.conftest import bearer_client
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _post(client, path, data, capture):
    with capture(execute=True):
        return client.post(path, data, format="json")


def test_shipping_methods_after_migrate(api_client, shipping_methods):
    response = api_client.get("/api/v1/shipping-methods")
    assert response.status_code == 200
    assert response.json() == [
        {"code": "standard", "name": "Standard", "price": "5.00", "free_over": "50.00"},
        {"code": "express", "name": "Express", "price": "15.00", "free_over": None},
    ]


def test_owner_sees_own_orders_only_and_another_users_order_is_404(user, user_client, place):
    _, mine = place(user)
    other = UserFactory()
    _, theirs = place(other)

    listed = user_client.get("/api/v1/orders").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == str(mine.order.id)
    # The `user` filter is staff's: a customer still sees only their own.
    assert user_client.get("/api/v1/orders", {"user": str(other.id)}).json()["count"] == 1
    detail = user_client.get(f"/api/v1/orders/{mine.order.id}")
    assert detail.status_code == 200
    assert detail.json()["order_number"] == mine.order.order_number
    assert_error(user_client.get(f"/api/v1/orders/{theirs.order.id}"), 404, "not_found")
    assert_error(
        user_client.post(f"/api/v1/orders/{theirs.order.id}/cancel", {}, format="json"),
        404,
        "not_found",
    )
    assert Order.objects.get(id=theirs.order.id).status == "confirmed"


def test_staff_list_all_orders_with_filters(staff_client, user, place):
    _, first = place(user)
    other = UserFactory()
    _, second = place(other)
    Order.objects.filter(id=first.order.id).update(created_at=timezone.now() - timedelta(days=3))

    def ids(**query):
        return {o["id"] for o in staff_client.get("/api/v1/orders", query).json()["results"]}

    assert ids() == {str(first.order.id), str(second.order.id)}
    assert ids(user=str(other.id)) == {str(second.order.id)}
    assert ids(status="confirmed") == {str(first.order.id), str(second.order.id)}
    assert ids(status="paid") == set()
    after = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_after=after) == {str(second.order.id)}
    for bad in ({"status": "lost"}, {"user": "nope"}, {"created_after": "yesterday"}):
        error = assert_error(staff_client.get("/api/v1/orders", bad), 400, "invalid")
        assert set(error["details"]) == set(bad)


def test_order_list_runs_a_fixed_number_of_queries(
    staff_client, user, place, django_assert_max_num_queries
):
    for _ in range(3):
        place(user)
    with django_assert_max_num_queries(5):  # user, count, page, lines, history
        response = staff_client.get("/api/v1/orders")
    assert response.json()["count"] == 3


def test_customer_cancels_an_unpaid_order_stock_released_intent_canceled(
    user, user_client, place, django_capture_on_commit_callbacks
):
    variant, result = place(user)
    response = _post(
        user_client,
        f"/api/v1/orders/{result.order.id}/cancel",
        {"reason": "changed my mind"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["history"][-1] == {
        **body["history"][-1],
        "from_status": "confirmed",
        "status": "cancelled",
        "note": "changed my mind",
        "actor": "customer",
    }
    assert StockLevel.objects.get(variant_id=variant.id).reserved == 0
    assert DummyProvider().intent_retrieve(intent_id=result.intent_id).status == "canceled"
    assert Payment.objects.get(order_id=result.order.id).status == "canceled"
    assert [m.subject for m in mail.outbox] == [
        f"Your order {result.order.order_number} was cancelled"
    ]
    # The intent cannot be paid any more.
    paid = user_client.post(f"/api/v1/payments/dummy/{result.intent_id}/succeed")
    assert_error(paid, 409, "conflict")
    assert stock_reconcile() == []


def test_the_owner_cancels_a_paid_order_it_is_restocked_and_refunded_in_full(
    user, user_client, place, pay, django_capture_on_commit_callbacks
):
    variant, result = place(user, quantity=2, stock=5)
    pay(result)
    assert StockLevel.objects.get(variant_id=variant.id).quantity == 3
    mail.outbox.clear()

    response = _post(
        user_client,
        f"/api/v1/orders/{result.order.id}/cancel",
        {"reason": "ordered twice"},
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["history"][-1]["note"] == "ordered twice; refund of 60.00 USD requested"
    assert body["history"][-1]["actor"] == "customer"
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (5, 0)  # the two sold units came back
    # The refund was made through the provider after the commit.
    payment = Payment.objects.get(order_id=result.order.id)
    assert (payment.amount_refunded, payment.refund_due) == (Decimal("60.00"), Decimal("0.00"))
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.status) == (Decimal("60.00"), "succeeded")
    assert refund.provider_refund_id.startswith("re_dummy_")
    order = Order.objects.get(id=result.order.id)
    assert (order.status, order.refund_due) == ("cancelled", Decimal("0.00"))
    assert order.history.order_by("-id").first().note == "refunded 60.00 USD (ordered twice)"
    assert sorted(m.subject for m in mail.outbox) == [
        f"A refund for your order {result.order.order_number}",
        f"Your order {result.order.order_number} was cancelled",
    ]
    assert stock_reconcile() == []


def test_staff_move_an_order_to_shipped_with_a_tracking_number_then_delivered(
    user, staff_client, place, pay, django_capture_on_commit_callbacks
):
    _, result = place(user)
    pay(result)
    status = f"/api/v1/orders/{result.order.id}/status"

    def move(data):
        return _post(staff_client, status, data, django_capture_on_commit_callbacks)

    assert move({"status": "processing"}).json()["status"] == "processing"
    assert_error(move({"status": "shipped"}), 400, "invalid", None)
    no_tracking = move({"status": "shipped"}).json()["error"]["details"]
    assert set(no_tracking) == {"tracking_number"}
    shipped = move({"status": "shipped", "tracking_number": "1Z999AA10123456784"})
    assert shipped.status_code == 200
    assert shipped.json()["tracking_number"] == "1Z999AA10123456784"
    emails = [m for m in mail.outbox if "shipped" in m.subject]
    assert len(emails) == 1 and "1Z999AA10123456784" in emails[0].body
    assert result.order.order_number in emails[0].subject
    assert move({"status": "delivered", "note": "left at the door"}).json()["status"] == "delivered"
    history = staff_client.get(f"/api/v1/orders/{result.order.id}").json()["history"]
    assert [h["status"] for h in history] == [
        "confirmed",
        "paid",
        "processing",
        "shipped",
        "delivered",
    ]
    assert history[-1]["note"] == "left at the door"
    assert [h["created_at"] for h in history] == sorted(h["created_at"] for h in history)


ILLEGAL_FOR_STAFF = [
    (source, target)
    for source, target in itertools.product(Status.values, Status.values)
    if STAFF not in TRANSITIONS.get((source, target), ())
]


@pytest.mark.parametrize(("source", "target"), ILLEGAL_FOR_STAFF)
def test_every_illegal_transition_through_the_staff_api_is_409(staff_client, source, target):
    order = OrderFactory(status=source)
    data = {"status": target}
    if target == "shipped":
        data["tracking_number"] = "T-1"
    response = staff_client.post(f"/api/v1/orders/{order.id}/status", data, format="json")
    error = assert_error(response, 409, "illegal_transition")
    assert (error["details"]["from"], error["details"]["to"]) == (source, target)
    order.refresh_from_db()
    assert order.status == source
    assert order.history.count() == 0


@pytest.mark.parametrize(
    "source", [s for s in Status.values if s not in ("pending", "confirmed", "paid")]
)
def test_the_owner_cannot_cancel_once_processing_or_later(source):
    owner = UserFactory()
    order = OrderFactory(status=source, user_id=owner.id)
    response = bearer_client(owner).post(f"/api/v1/orders/{order.id}/cancel", {}, format="json")
    assert_error(response, 409, "illegal_transition")
    order.refresh_from_db()
    assert order.status == source


def test_status_endpoint_is_staff_only_and_checks_its_input(user_client, staff_client):
    order = OrderFactory(status="paid")
    path = f"/api/v1/orders/{order.id}/status"
    assert_error(
        user_client.post(path, {"status": "processing"}, format="json"), 403, "permission_denied"
    )
    for data, field in [
        ({}, "status"),
        ({"status": "teleported"}, "status"),
        ({"status": "processing", "tracking_number": "T-1"}, "tracking_number"),
        ({"status": "processing", "note": "x" * 301}, "note"),
    ]:
        error = assert_error(staff_client.post(path, data, format="json"), 400, "invalid")
        assert set(error["details"]) == {field}
    assert_error(
        staff_client.post(
            "/api/v1/orders/00000000-0000-0000-0000-000000000000/status",
            {"status": "processing"},
            format="json",
        ),
        404,
        "not_found",
    )
    order.refresh_from_db()
    assert order.status == "paid"


def test_cancel_and_preview_refuse_bad_input_with_400(user, user_client, place, make_variant):
    _, result = place(user)
    response = user_client.post(
        f"/api/v1/orders/{result.order.id}/cancel", {"reason": "x" * 301}, format="json"
    )
    assert set(assert_error(response, 400, "invalid")["details"]) == {"reason"}
    assert Order.objects.get(id=result.order.id).status == "confirmed"
    for payload, field in [
        ({"shipping_address": {"country": "US"}}, "shipping_method"),
        (
            {"shipping_method": "standard", "shipping_address": {"country": "ZZ"}},
            "shipping_address",
        ),
        ({"shipping_method": "standard", "shipping_address_id": 5}, "shipping_address_id"),
    ]:
        error = assert_error(
            user_client.post("/api/v1/checkout/preview", payload, format="json"), 400, "invalid"
        )
        assert field in error["details"], error
    malformed = user_client.post("/api/v1/checkout", "{not json", content_type="application/json")
    assert_error(malformed, 400, "invalid")
