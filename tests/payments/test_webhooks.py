"""`POST payments/webhook` with real Stripe signatures: verified, stored by event id with its
effect, applied once, other types ignored. The events are the ones the Stripe double emits
(the SDK talks to it over HTTP), delivered signed the way Stripe signs them."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal

import pytest
import stripe

from apps.payments.models import Payment, Refund, WebhookEvent
from apps.payments.services import payment_intent_create
from shop import metrics
from shop.events.models import OutboxEvent
from tests.accounts.errors import assert_error
from tests.payments.stripe_double import (
    WEBHOOK_SECRET,
    signature_header,
    webhook_post,
    webhook_send,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def intent(stripe_double):
    """A payment of 42.10 USD opened through the Stripe provider (the double)."""
    return payment_intent_create(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), amount=Decimal("42.10"), currency="USD"
    )


def _counter(event_type: str, result: str) -> float:
    return metrics.WEBHOOK_EVENTS.labels(type=event_type, result=result)._value.get()


def test_a_missing_or_bad_signature_is_400_and_changes_nothing(
    api_client, stripe_double, intent, settings
):
    stripe_double.intent_succeed(intent.intent_id)
    event = stripe_double.events_of("payment_intent.succeeded")[0]
    payload = json.dumps(event).encode()
    rejected_before = _counter("unverified", "rejected")

    for signature in (
        "",  # missing
        signature_header(payload, "whsec_someone_else"),
        signature_header(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 3600),  # stale
        "t=1,v1=deadbeef",
        "garbage",
    ):
        response = webhook_post(api_client, event, WEBHOOK_SECRET, signature=signature)
        assert_error(response, 400, "invalid_signature")
    # A body changed after signing fails too.
    header = signature_header(payload, WEBHOOK_SECRET)
    tampered = payload.replace(b"42", b"41")
    response = api_client.post(
        "/api/v1/payments/webhook",
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert_error(response, 400, "invalid_signature")
    # Without a configured secret nothing can be verified: refused, whatever the provider.
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.PAYMENT_PROVIDER = "dummy"
    assert_error(webhook_post(api_client, event, WEBHOOK_SECRET), 400, "invalid_signature")

    assert Payment.objects.get(intent_id=intent.intent_id).status == "requires_payment"
    assert not WebhookEvent.objects.exists()
    assert not OutboxEvent.objects.filter(name="payment.succeeded").exists()
    assert _counter("unverified", "rejected") == rejected_before + 7


def test_the_same_event_delivered_twice_is_applied_once(api_client, stripe_double, intent):
    stripe_double.intent_succeed(intent.intent_id)
    event = stripe_double.events_of("payment_intent.succeeded")[0]
    applied_before = _counter("payment_intent.succeeded", "applied")

    first = webhook_post(api_client, event, WEBHOOK_SECRET)
    again = webhook_post(api_client, event, WEBHOOK_SECRET)

    assert first.status_code == again.status_code == 200
    assert first.json() == {
        "event_id": event["id"],
        "type": "payment_intent.succeeded",
        "result": "applied",
    }
    assert again.json()["result"] == "duplicate"
    payment = Payment.objects.get(intent_id=intent.intent_id)
    assert payment.status == "succeeded" and payment.provider == "stripe"
    assert OutboxEvent.objects.filter(name="payment.succeeded").count() == 1
    assert WebhookEvent.objects.get().event_id == event["id"]
    assert _counter("payment_intent.succeeded", "applied") == applied_before + 1


def test_a_type_the_shop_does_not_handle_is_200_and_ignored(api_client, stripe_double, intent):
    created = stripe_double.events_of("payment_intent.created")[0]
    response = webhook_post(api_client, created, WEBHOOK_SECRET)
    assert response.status_code == 200
    assert response.json()["result"] == "ignored"
    assert WebhookEvent.objects.get(event_id=created["id"]).result == "ignored"
    # An intent this shop never made (another integration on the account): ignored too.
    foreign = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_double.url})
    other = foreign.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
    stripe_double.intent_succeed(other.id)
    event = stripe_double.events_of("payment_intent.succeeded")[-1]
    assert webhook_post(api_client, event, WEBHOOK_SECRET).json()["result"] == "ignored"
    assert not OutboxEvent.objects.filter(name="payment.succeeded").exists()


def test_a_declined_card_fails_the_payment_and_a_late_failure_cannot_undo_success(
    api_client, stripe_double, intent
):
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_double.url})
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.confirm(
            intent.intent_id, params={"payment_method": "pm_card_chargeDeclined"}
        )
    failed = stripe_double.events_of("payment_intent.payment_failed")[0]
    stripe_double.intent_succeed(intent.intent_id)
    succeeded = stripe_double.events_of("payment_intent.succeeded")[0]

    assert webhook_post(api_client, failed, WEBHOOK_SECRET).json()["result"] == "applied"
    payment = Payment.objects.get(intent_id=intent.intent_id)
    assert (payment.status, payment.last_error) == ("failed", "Your card was declined.")
    assert webhook_post(api_client, succeeded, WEBHOOK_SECRET).json()["result"] == "applied"
    # The failure delivered again, late and out of order: the success stands.
    replayed = {**failed, "id": "evt_redelivered_failure"}
    assert webhook_post(api_client, replayed, WEBHOOK_SECRET).json()["result"] == "applied"
    assert Payment.objects.get(intent_id=intent.intent_id).status == "succeeded"
    assert OutboxEvent.objects.filter(name="payment.failed").count() == 1


def test_a_canceled_intent_is_recorded_and_a_refund_made_at_stripe_is_recorded_once(
    api_client, stripe_double, intent
):
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_double.url})
    other = payment_intent_create(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), amount=Decimal("5.00"), currency="USD"
    )
    client.v1.payment_intents.cancel(other.intent_id)
    canceled = stripe_double.events_of("payment_intent.canceled")[0]
    assert webhook_post(api_client, canceled, WEBHOOK_SECRET).json()["result"] == "applied"
    assert Payment.objects.get(intent_id=other.intent_id).status == "canceled"

    stripe_double.intent_succeed(intent.intent_id)
    webhook_post(api_client, stripe_double.events_of("payment_intent.succeeded")[0], WEBHOOK_SECRET)
    # Staff refund 10.00 from Stripe's dashboard: the shop learns it from charge.refunded.
    client.v1.refunds.create(params={"payment_intent": intent.intent_id, "amount": 1000})
    refunded = stripe_double.events_of("charge.refunded")[0]
    assert webhook_post(api_client, refunded, WEBHOOK_SECRET).json()["result"] == "applied"
    assert (
        webhook_post(api_client, {**refunded, "id": "evt_again"}, WEBHOOK_SECRET).status_code == 200
    )

    payment = Payment.objects.get(intent_id=intent.intent_id)
    assert (payment.amount_refunded, payment.refund_due) == (Decimal("10.00"), Decimal("0.00"))
    refund = Refund.objects.get(payment=payment)
    assert (refund.origin, refund.status, refund.amount) == (
        "provider",
        "succeeded",
        Decimal("10.00"),
    )
    assert refund.provider_refund_id == refunded["data"]["object"]["refunds"]["data"][0]["id"]
    assert OutboxEvent.objects.filter(name="payment.refunded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_signed_event_over_real_http_reaches_a_live_server(live_server, stripe_double):
    created = payment_intent_create(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), amount=Decimal("9.99"), currency="USD"
    )
    stripe_double.intent_succeed(created.intent_id)
    event = stripe_double.events_of("payment_intent.succeeded")[0]

    status, answer = webhook_send(live_server.url, event, WEBHOOK_SECRET)
    forged_status, forged = webhook_send(live_server.url, event, "whsec_forged")

    assert (status, answer["result"]) == (200, "applied")
    assert (forged_status, forged["error"]["code"]) == (400, "invalid_signature")
    assert Payment.objects.get(intent_id=created.intent_id).status == "succeeded"


def test_beat_retries_pending_refunds():
    from apps.payments.tasks import refunds_retry_task
    from shop.celery import app

    entry = app.conf.beat_schedule["refunds-retry"]
    assert entry["task"] == refunds_retry_task.name == "apps.payments.tasks.refunds_retry_task"
    assert refunds_retry_task.delay().get() == 0  # nothing pending
