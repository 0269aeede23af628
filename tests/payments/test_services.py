"""Payments below orders: intents through the provider interface, outcomes recorded once and
published through the outbox."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.payments.exceptions import PaymentConflict, PaymentNotFound, PaymentUnavailable
from apps.payments.models import Payment
from apps.payments.providers import PaymentProvider, ProviderRejected, provider_get
from apps.payments.providers.dummy import DummyProvider
from apps.payments.services import (
    minor_units,
    payment_cancel,
    payment_failed_record,
    payment_intent_create,
    payment_succeeded_record,
    refund_execute,
    refund_request,
)
from shop.errors import InvalidInput
from shop.events.models import OutboxEvent
from tests.payments.doubles import UNAVAILABLE

pytestmark = pytest.mark.django_db


def _intent(amount="42.10"):
    return payment_intent_create(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), amount=Decimal(amount), currency="usd"
    )


def test_minor_units_round_half_up_and_know_zero_decimal_currencies():
    assert minor_units(Decimal("42.10"), "USD") == 4210
    assert minor_units(Decimal("0.01"), "EUR") == 1
    assert minor_units(Decimal("1500.00"), "JPY") == 1500
    assert minor_units(Decimal("1500.50"), "JPY") == 1501


def test_provider_is_chosen_by_setting(settings):
    assert isinstance(provider_get(), DummyProvider)
    assert isinstance(provider_get(), PaymentProvider)
    settings.PAYMENT_PROVIDER = "paypal"
    with pytest.raises(ValueError, match="unknown PAYMENT_PROVIDER"):
        provider_get()


def test_intent_creation_is_idempotent_per_order_key():
    provider = DummyProvider()
    first = provider.intent_create(
        amount_minor=500, currency="usd", metadata={"order_id": "x"}, idempotency_key="order_x"
    )
    again = provider.intent_create(
        amount_minor=500, currency="usd", metadata={"order_id": "x"}, idempotency_key="order_x"
    )
    assert first == again
    assert first.client_secret.startswith(first.intent_id + "_secret_")
    assert provider.intent_retrieve(intent_id=first.intent_id) == first
    other = provider.intent_create(
        amount_minor=500, currency="usd", metadata={}, idempotency_key="order_y"
    )
    assert other.intent_id != first.intent_id


def test_payment_intent_create_records_the_payment_in_minor_units():
    created = _intent("42.10")
    payment = Payment.objects.get(id=created.payment.id)
    assert (payment.amount, payment.currency, payment.status) == (
        Decimal("42.10"),
        "USD",
        "requires_payment",
    )
    intent = DummyProvider().intent_retrieve(intent_id=created.intent_id)
    assert (intent.amount_minor, intent.currency) == (4210, "USD")
    assert (
        intent.intent_id
        == DummyProvider()
        .intent_create(
            amount_minor=4210,
            currency="USD",
            metadata={},
            idempotency_key=f"order_{payment.order_id}_payment",
        )
        .intent_id
    )
    assert intent.metadata == {"order_id": str(payment.order_id), "user_id": str(payment.user_id)}
    # The same order again: the same intent and payment, nothing new.
    again = payment_intent_create(
        order_id=payment.order_id, user_id=payment.user_id, amount=payment.amount, currency="USD"
    )
    assert again.payment.id == payment.id and again.intent_id == created.intent_id


def test_a_provider_outage_is_payment_unavailable_and_records_nothing(settings):
    settings.PAYMENT_PROVIDER = UNAVAILABLE
    with pytest.raises(PaymentUnavailable) as raised:
        _intent()
    assert (raised.value.code, raised.value.http_status) == ("payment_unavailable", 502)
    assert not Payment.objects.exists()


def test_success_is_recorded_and_published_once():
    created = _intent()
    first = payment_succeeded_record(provider="dummy", intent_id=created.intent_id)
    again = payment_succeeded_record(provider="dummy", intent_id=created.intent_id)
    assert first.status == again.status == "succeeded"
    events = OutboxEvent.objects.filter(name="payment.succeeded")
    assert events.count() == 1
    assert events.get().payload == {
        "payment_id": str(created.payment.id),
        "order_id": str(created.payment.order_id),
        "user_id": str(created.payment.user_id),
        "provider": "dummy",
        "intent_id": created.intent_id,
        "amount": "42.10",
        "currency": "USD",
    }
    # A success after it cannot fail any more.
    assert payment_failed_record(provider="dummy", intent_id=created.intent_id).status == (
        "succeeded"
    )
    assert not OutboxEvent.objects.filter(name="payment.failed").exists()
    with pytest.raises(PaymentNotFound):
        payment_succeeded_record(provider="dummy", intent_id="pi_unknown")


def test_cancel_stops_an_unpaid_intent_and_leaves_a_paid_one():
    unpaid, paid = _intent(), _intent()
    assert payment_cancel(order_id=unpaid.payment.order_id).status == "canceled"
    assert DummyProvider().intent_retrieve(intent_id=unpaid.intent_id).status == "canceled"
    assert payment_cancel(order_id=unpaid.payment.order_id).status == "canceled"  # idempotent
    with pytest.raises(ProviderRejected):
        DummyProvider().intent_pay(intent_id=unpaid.intent_id, succeed=True)

    payment_succeeded_record(provider="dummy", intent_id=paid.intent_id)
    assert payment_cancel(order_id=paid.payment.order_id).status == "succeeded"
    assert payment_cancel(order_id=uuid.uuid4()) is None


def test_a_refund_is_requested_within_what_remains_and_made_once():
    created = _intent("30.00")
    order_id = created.payment.order_id
    with pytest.raises(PaymentConflict):  # nothing paid yet
        refund_request(order_id=order_id, amount=Decimal("30.00"), reason="x")
    DummyProvider().intent_pay(intent_id=created.intent_id, succeed=True)
    payment_succeeded_record(provider="dummy", intent_id=created.intent_id)
    with pytest.raises(InvalidInput) as too_much:
        refund_request(order_id=order_id, amount=Decimal("30.01"))
    assert set(too_much.value.details) == {"amount"}

    pending = refund_request(order_id=order_id, amount=Decimal("12.00"), reason="dented")
    assert pending.status == "pending"
    assert Payment.objects.get(order_id=order_id).refund_due == Decimal("12.00")
    with pytest.raises(InvalidInput):  # the pending refund counts against what remains
        refund_request(order_id=order_id, amount=Decimal("18.01"))
    made = refund_execute(refund_id=pending.id)
    again = refund_execute(refund_id=pending.id)  # a retry: the provider is not asked again

    assert made.status == again.status == "succeeded" and made.provider_refund_id
    payment = Payment.objects.get(order_id=order_id)
    assert (payment.amount_refunded, payment.refund_due) == (Decimal("12.00"), Decimal("0"))
    assert OutboxEvent.objects.filter(name="payment.refunded").count() == 1
    rest = refund_request(order_id=order_id)  # None: everything that remains
    assert rest.amount == Decimal("18.00")


def test_a_redis_outage_is_a_provider_outage(settings):
    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"  # a closed port (the data Redis)
    with pytest.raises(PaymentUnavailable):
        _intent()
    assert not Payment.objects.exists()


def test_dummy_refund_adds_up_to_at_most_the_amount():
    created = _intent("10.00")
    provider = DummyProvider()
    provider.intent_pay(intent_id=created.intent_id, succeed=True)
    refund = provider.refund_create(
        intent_id=created.intent_id, amount_minor=600, idempotency_key="r1"
    )
    assert (refund.amount_minor, refund.status) == (600, "succeeded")
    with pytest.raises(ProviderRejected):
        provider.refund_create(intent_id=created.intent_id, amount_minor=500, idempotency_key="r2")
