"""A webhook storm: Stripe delivers 100 events three times each, shuffled, from 8 connections
at once (real threads, each with its own database connection), as it does after an outage of
ours. Each event is applied exactly once: 70 orders paid once (one history row, one
confirmation email, their stock taken), 30 declined payments recorded once (the orders stay
payable, their stock still held), every duplicate answered 200 `duplicate`, no 5xx."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from rest_framework.test import APIClient

from apps.inventory.models import StockLevel
from apps.inventory.services import stock_reconcile
from apps.orders.models import Order, OrderEmail, OrderHistory
from apps.orders.services import checkout
from apps.payments.models import Payment, WebhookEvent
from shop.events.models import OutboxEvent
from tests.accounts.factories import UserFactory
from tests.orders.conftest import ADDRESS
from tests.payments.stripe_double import WEBHOOK_SECRET, webhook_post
from tests.support.parallel import run_parallel

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ORDERS, PAID, DELIVERIES, CONNECTIONS = 100, 70, 3, 8


def test_each_of_100_events_delivered_three_times_concurrently_is_applied_once(
    make_variant, fill_cart, stripe_double
):
    variant = make_variant(price="10.00", stock=ORDERS)
    placed = []
    for user in UserFactory.create_batch(ORDERS):
        fill_cart(user, (variant, 1))
        result = checkout(
            user_id=user.id, shipping_address=dict(ADDRESS), shipping_method="standard"
        )
        placed.append(result)
    paid_ids = {r.order.id for r in placed[:PAID]}
    for i, result in enumerate(placed):
        if i < PAID:
            stripe_double.intent_succeed(result.intent_id)
        else:
            stripe_double.intent_decline(result.intent_id)
    events = stripe_double.events_of("payment_intent.succeeded") + stripe_double.events_of(
        "payment_intent.payment_failed"
    )
    assert len(events) == ORDERS
    deliveries = events * DELIVERIES
    random.Random(20261201).shuffle(deliveries)

    def deliver(i):
        client = APIClient()
        return [webhook_post(client, e, WEBHOOK_SECRET) for e in deliveries[i::CONNECTIONS]]

    answers = [a for batch in run_parallel(CONNECTIONS, deliver) for a in batch]

    assert len(answers) == ORDERS * DELIVERIES
    assert [a.status_code for a in answers if a.status_code != 200] == []
    assert Counter(a.json()["result"] for a in answers) == {
        "applied": ORDERS,
        "duplicate": ORDERS * (DELIVERIES - 1),
    }
    assert WebhookEvent.objects.count() == ORDERS
    assert OutboxEvent.objects.filter(name="payment.succeeded").count() == PAID
    assert OutboxEvent.objects.filter(name="payment.failed").count() == ORDERS - PAID

    statuses = dict(Order.objects.values_list("id", "status"))
    assert {i for i, s in statuses.items() if s == "paid"} == paid_ids
    assert Counter(statuses.values()) == {"paid": PAID, "confirmed": ORDERS - PAID}
    paid_rows = Counter(
        OrderHistory.objects.filter(to_status="paid").values_list("order_id", flat=True)
    )
    assert set(paid_rows) == paid_ids and set(paid_rows.values()) == {1}
    confirmations = OrderEmail.objects.filter(kind="confirmation")
    assert sorted(confirmations.values_list("order_id", flat=True)) == sorted(paid_ids)
    assert Counter(Payment.objects.values_list("status", flat=True)) == {
        "succeeded": PAID,
        "failed": ORDERS - PAID,
    }
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (ORDERS - PAID, ORDERS - PAID)
    assert stock_reconcile() == []
