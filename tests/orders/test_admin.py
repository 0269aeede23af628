"""The orders admin: search by number and email, filters, history inline, and transition
actions that go through the state machine (illegal ones are refused with a message)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from apps.orders.models import Order, ShippingMethod, TaxRate
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_orders_are_found_by_number_in_any_case_and_by_email(admin_client):
    wanted = OrderFactory(email="findme@example.com")
    other = OrderFactory(email="other@example.com")
    by_number = admin_client.get(CHANGELIST, {"q": wanted.order_number.lower()})
    assert wanted.order_number.encode() in by_number.content
    assert other.order_number.encode() not in by_number.content
    by_email = admin_client.get(CHANGELIST, {"q": "findme@"})
    assert wanted.order_number.encode() in by_email.content
    assert other.order_number.encode() not in by_email.content
    for params in ({"status__exact": "paid"}, {"created_at__gte": "2026-01-01T00:00:00+00:00"}):
        assert admin_client.get(CHANGELIST, params).status_code == 200
    detail = admin_client.get(f"{CHANGELIST}{wanted.pk}/change/")
    assert detail.status_code == 200 and b"SKU-1" in detail.content


def test_actions_move_orders_through_the_state_machine(admin_client):
    paid, unpaid = OrderFactory(status="paid"), OrderFactory(status="confirmed")
    response = admin_client.post(
        CHANGELIST,
        {"action": "mark_processing", "_selected_action": [paid.pk, unpaid.pk]},
        follow=True,
    )
    assert response.status_code == 200
    paid.refresh_from_db()
    unpaid.refresh_from_db()
    assert (paid.status, unpaid.status) == ("processing", "confirmed")  # confirmed: illegal
    history = paid.history.get()
    assert (history.from_status, history.to_status, history.actor) == (
        "paid",
        "processing",
        "staff",
    )
    assert b"cannot become processing" in response.content

    form = admin_client.post(CHANGELIST, {"action": "mark_shipped", "_selected_action": [paid.pk]})
    assert b"tracking_number" in form.content  # asks for the tracking number first
    paid.refresh_from_db()
    assert paid.status == "processing"
    admin_client.post(
        CHANGELIST,
        {
            "action": "mark_shipped",
            "_selected_action": [paid.pk],
            "apply": "1",
            "tracking_number": "TRACK-42",
        },
    )
    paid.refresh_from_db()
    assert (paid.status, paid.tracking_number) == ("shipped", "TRACK-42")


def test_admin_cannot_add_or_delete_orders_but_edits_shipping_and_tax(admin_client):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    order = OrderFactory()
    assert admin_client.post(f"{CHANGELIST}{order.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()

    standard = ShippingMethod.objects.get_or_create(
        code="standard", defaults={"name": "Standard", "price": Decimal("5.00")}
    )[0]
    response = admin_client.post(
        f"/admin/orders/shippingmethod/{standard.pk}/change/",
        {"code": "standard", "name": "Standard", "price": "6.50", "free_over": "75.00",
         "active": "on", "position": "1"},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    standard.refresh_from_db()
    assert (standard.price, standard.free_over) == (Decimal("6.50"), Decimal("75.00"))
    response = admin_client.post(
        "/admin/orders/taxrate/add/", {"country": "US", "state": "CA", "rate": "0.0725"}
    )
    assert response.status_code == 302
    assert TaxRate.objects.get(country="US", state="CA").rate == Decimal("0.0725")
    assert not mail.outbox
