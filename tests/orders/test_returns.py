"""Returns (RMA): requested by the owner of a delivered order, received by staff line by line
(restocked or not), the received units refunded at their share, the order `returned` once
every delivered unit came back; the stock ledger stays reconciled."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from apps.inventory.models import StockLevel, StockMovement
from apps.inventory.services import stock_reconcile
from apps.orders.models import Order
from apps.orders.services import Actor, order_status_set
from apps.payments.models import Payment, Refund
from tests.accounts.errors import assert_error
from tests.accounts.factories import UserFactory
from tests.conftest import bearer_client
from tests.promotions.factories import make_coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(user, staff_user, make_variant, fill_cart, pay, django_capture_on_commit_callbacks):
    """delivered(*lines: (price, quantity), coupon=None) -> (order id, variants): placed
    through checkout, paid (dummy provider), shipped and delivered by staff."""
    from tests.orders.conftest import ADDRESS

    def make(*lines, coupon=None):
        from apps.orders.services import checkout

        variants = [make_variant(price=price, stock=10) for price, _ in lines]
        fill_cart(user, *[(v, q) for v, (_, q) in zip(variants, lines, strict=True)])
        with django_capture_on_commit_callbacks(execute=True):
            result = checkout(
                user_id=user.id,
                shipping_address=dict(ADDRESS),
                shipping_method="standard",
                coupon_code=coupon,
            )
        pay(result)
        staff = Actor.staff(staff_user.id)
        with django_capture_on_commit_callbacks(execute=True):
            order_status_set(order_id=result.order.id, status="processing", actor=staff)
            order_status_set(
                order_id=result.order.id, status="shipped", actor=staff, tracking_number="T-1"
            )
            order_status_set(order_id=result.order.id, status="delivered", actor=staff)
        return str(result.order.id), variants

    return make


def _post(client, path, data, capture):
    with capture(execute=True):
        return client.post(path, data, format="json")


def test_a_return_with_one_line_restocked_and_one_not_refunds_the_received_share(
    user_client, staff_client, delivered, django_capture_on_commit_callbacks
):
    make_coupon("TEN", type="percentage", value=Decimal("10"))
    order_id, (shirt, mug) = delivered(("20.00", 2), ("15.00", 1), coupon="TEN")
    order = Order.objects.get(id=order_id)
    levels_before = {v.id: StockLevel.objects.get(variant_id=v.id).quantity for v in (shirt, mug)}
    mail.outbox.clear()

    requested = _post(
        user_client,
        f"/api/v1/orders/{order_id}/returns",
        {
            "lines": [
                {"variant_id": str(shirt.id), "quantity": 2},
                {"variant_id": str(mug.id), "quantity": 1},
            ],
            "reason": "does not fit",
        },
        django_capture_on_commit_callbacks,
    )
    assert requested.status_code == 201, requested.content
    rma = requested.json()
    assert (rma["status"], rma["order_id"], rma["refund"]) == ("requested", order_id, None)
    assert {line["variant_id"]: line["quantity"] for line in rma["lines"]} == {
        str(shirt.id): 2,
        str(mug.id): 1,
    }

    received = _post(
        staff_client,
        f"/api/v1/returns/{rma['id']}/receive",
        {
            "lines": [
                {"variant_id": str(shirt.id), "quantity": 2, "restock": True},
                {"variant_id": str(mug.id), "quantity": 1, "restock": False},  # broken
            ]
        },
        django_capture_on_commit_callbacks,
    )

    assert received.status_code == 200, received.content
    body = received.json()
    assert body["status"] == "received" and body["received_at"]
    lines = {line["variant_id"]: line for line in body["lines"]}
    assert lines[str(shirt.id)]["restocked_quantity"] == 2
    assert lines[str(mug.id)]["restocked_quantity"] == 0
    # The ledger: one `return` movement, for the restocked line only.
    movements = StockMovement.objects.filter(order_id=order.id, kind="return")
    assert [(m.variant_id, m.quantity_delta) for m in movements] == [(shirt.id, 2)]
    assert StockLevel.objects.get(variant_id=shirt.id).quantity == levels_before[shirt.id] + 2
    assert StockLevel.objects.get(variant_id=mug.id).quantity == levels_before[mug.id]
    # The refund is the received lines' value: after their discount share (no tax here).
    share = sum(line.total_price for line in order.lines.all())
    assert body["refund"]["amount"] == f"{share:.2f}" == f"{order.subtotal - order.discount:.2f}"
    assert body["refund"]["status"] == "succeeded"
    refund = Refund.objects.get(id=body["refund"]["id"])
    assert {(line["variant_id"], line["quantity"]) for line in refund.lines} == {
        (str(shirt.id), 2),
        (str(mug.id), 1),
    }
    assert Payment.objects.get(order_id=order.id).amount_refunded == share
    order.refresh_from_db()
    assert order.status == "returned"  # every delivered unit came back
    assert "every unit came back" in order.history.order_by("-id")[1].note
    assert [m.subject for m in mail.outbox] == [f"A refund for your order {order.order_number}"]
    assert stock_reconcile() == []


def test_a_partial_return_leaves_the_order_delivered_and_refunds_only_its_units(
    user_client, staff_client, delivered, django_capture_on_commit_callbacks
):
    order_id, (shirt,) = delivered(("20.00", 3))
    rma = _post(
        user_client,
        f"/api/v1/orders/{order_id}/returns",
        {"lines": [{"variant_id": str(shirt.id), "quantity": 2}], "reason": "too many"},
        django_capture_on_commit_callbacks,
    ).json()
    # Only one of the two units arrived.
    body = _post(
        staff_client,
        f"/api/v1/returns/{rma['id']}/receive",
        {"lines": [{"variant_id": str(shirt.id), "quantity": 1, "restock": True}]},
        django_capture_on_commit_callbacks,
    ).json()
    assert body["refund"]["amount"] == "20.00"
    assert Order.objects.get(id=order_id).status == "delivered"
    again = _post(
        staff_client,
        f"/api/v1/returns/{rma['id']}/receive",
        {"lines": [{"variant_id": str(shirt.id), "quantity": 1, "restock": True}]},
        django_capture_on_commit_callbacks,
    )
    assert_error(again, 409, "conflict")
    # The other units may still be returned (two were delivered and not received back).
    more = _post(
        user_client,
        f"/api/v1/orders/{order_id}/returns",
        {"lines": [{"variant_id": str(shirt.id), "quantity": 3}], "reason": "all of them"},
        django_capture_on_commit_callbacks,
    )
    assert "lines" in assert_error(more, 400, "invalid")["details"]
    assert stock_reconcile() == []


def test_returns_are_refused_for_undelivered_or_foreign_orders_and_bad_lines(
    user, user_client, staff_client, place, pay, delivered, django_capture_on_commit_callbacks
):
    variant, result = place(user)
    pay(result)
    path = f"/api/v1/orders/{result.order.id}/returns"
    data = {"lines": [{"variant_id": str(variant.id), "quantity": 1}], "reason": "x"}
    assert_error(
        _post(user_client, path, data, django_capture_on_commit_callbacks), 409, "conflict"
    )

    order_id, (shirt,) = delivered(("20.00", 1))
    path = f"/api/v1/orders/{order_id}/returns"
    stranger = bearer_client(UserFactory())
    ok = {"lines": [{"variant_id": str(shirt.id), "quantity": 1}], "reason": "x"}
    assert_error(_post(stranger, path, ok, django_capture_on_commit_callbacks), 404, "not_found")
    for bad, field in [
        ({"lines": [], "reason": "x"}, "lines"),
        ({"lines": [{"variant_id": str(shirt.id), "quantity": 1}]}, "reason"),
        ({"lines": [{"variant_id": str(shirt.id), "quantity": 2}], "reason": "x"}, "lines"),
        ({"lines": [{"variant_id": str(variant.id), "quantity": 1}], "reason": "x"}, "lines"),
        ({"lines": [{"variant_id": str(shirt.id), "quantity": 0}], "reason": "x"}, "lines"),
    ]:
        error = assert_error(
            _post(user_client, path, bad, django_capture_on_commit_callbacks), 400, "invalid"
        )
        assert field in error["details"], (bad, error)
    rma = _post(user_client, path, ok, django_capture_on_commit_callbacks).json()
    receive = f"/api/v1/returns/{rma['id']}/receive"
    receipt = {"lines": [{"variant_id": str(shirt.id), "quantity": 1, "restock": True}]}
    assert_error(
        _post(user_client, receive, receipt, django_capture_on_commit_callbacks),
        403,
        "permission_denied",
    )
    too_many = {"lines": [{"variant_id": str(shirt.id), "quantity": 2, "restock": True}]}
    assert (
        "lines"
        in assert_error(
            _post(staff_client, receive, too_many, django_capture_on_commit_callbacks),
            400,
            "invalid",
        )["details"]
    )
    assert not StockMovement.objects.filter(kind="return").exists()
    assert not Refund.objects.exists()


def test_returns_are_listed_for_their_owner_and_all_for_staff(
    user_client, staff_client, delivered, django_capture_on_commit_callbacks
):
    order_id, (shirt,) = delivered(("20.00", 1))
    rma = _post(
        user_client,
        f"/api/v1/orders/{order_id}/returns",
        {"lines": [{"variant_id": str(shirt.id), "quantity": 1}], "reason": "x"},
        django_capture_on_commit_callbacks,
    ).json()
    mine = user_client.get("/api/v1/returns").json()
    assert mine["count"] == 1 and mine["results"][0]["id"] == rma["id"]
    assert user_client.get(f"/api/v1/returns/{rma['id']}").json()["status"] == "requested"
    assert staff_client.get("/api/v1/returns").json()["count"] == 1
    stranger = bearer_client(UserFactory())
    assert stranger.get("/api/v1/returns").json()["count"] == 0
    assert_error(stranger.get(f"/api/v1/returns/{rma['id']}"), 404, "not_found")


def test_staff_read_returns_refunds_and_webhook_events_in_the_admin(
    client, user_client, staff_client, delivered, django_capture_on_commit_callbacks
):
    order_id, (shirt,) = delivered(("20.00", 1))
    rma = _post(
        user_client,
        f"/api/v1/orders/{order_id}/returns",
        {"lines": [{"variant_id": str(shirt.id), "quantity": 1}], "reason": "scratched"},
        django_capture_on_commit_callbacks,
    ).json()
    _post(
        staff_client,
        f"/api/v1/returns/{rma['id']}/receive",
        {"lines": [{"variant_id": str(shirt.id), "quantity": 1, "restock": False}]},
        django_capture_on_commit_callbacks,
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/admin/orders/return/")
    assert listing.status_code == 200 and b"scratched" in listing.content
    assert client.get(f"/admin/orders/return/{rma['id']}/change/").status_code == 200
    refunds = client.get("/admin/payments/refund/")
    assert refunds.status_code == 200 and b"20.00" in refunds.content
    assert client.get("/admin/payments/webhookevent/").status_code == 200
