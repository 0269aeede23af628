"""The Stripe provider through the real `stripe` SDK, over HTTP, against the local double."""

from __future__ import annotations

import pytest

from apps.payments.providers import ProviderRejected, ProviderUnavailable, provider_get
from apps.payments.providers.stripe import StripeProvider
from tests.payments.stripe_double import DECLINED_CARD


@pytest.fixture
def provider(stripe_double) -> StripeProvider:
    chosen = provider_get()
    assert isinstance(chosen, StripeProvider)
    return chosen


def _create(provider, key="order_1_payment", amount=4210):
    return provider.intent_create(
        amount_minor=amount, currency="USD", metadata={"order_id": "1"}, idempotency_key=key
    )


def test_create_with_the_same_idempotency_key_twice_makes_one_intent(provider, stripe_double):
    first = _create(provider)
    again = _create(provider)

    assert again == first
    assert len(stripe_double.intents) == 1
    assert (first.status, first.amount_minor, first.currency) == (
        "requires_payment_method",
        4210,
        "USD",
    )
    assert first.metadata == {"order_id": "1"}
    assert first.client_secret.startswith(first.intent_id + "_secret_")
    assert provider.intent_retrieve(intent_id=first.intent_id) == first
    # The same key with another amount is refused, as Stripe refuses it.
    with pytest.raises(ProviderRejected, match="same parameters"):
        _create(provider, amount=999)
    assert stripe_double.requests.count(("POST", "/v1/payment_intents")) == 3


def test_cancel_is_idempotent_and_leaves_a_succeeded_intent_as_it_is(provider, stripe_double):
    intent = _create(provider)
    assert provider.intent_cancel(intent_id=intent.intent_id).status == "canceled"
    assert provider.intent_cancel(intent_id=intent.intent_id).status == "canceled"

    paid = _create(provider, key="order_2_payment")
    stripe_double.intent_succeed(paid.intent_id)
    assert provider.intent_cancel(intent_id=paid.intent_id).status == "succeeded"
    assert stripe_double.intents[paid.intent_id]["status"] == "succeeded"


def test_partial_refunds_add_up_to_the_charge_and_no_further(provider, stripe_double):
    intent = _create(provider, amount=5000)
    stripe_double.intent_succeed(intent.intent_id)

    first = provider.refund_create(
        intent_id=intent.intent_id, amount_minor=2000, idempotency_key="refund_a", reason="dented"
    )
    replay = provider.refund_create(
        intent_id=intent.intent_id, amount_minor=2000, idempotency_key="refund_a", reason="dented"
    )
    second = provider.refund_create(
        intent_id=intent.intent_id, amount_minor=3000, idempotency_key="refund_b"
    )

    assert replay == first and first.status == "succeeded" and first.amount_minor == 2000
    assert second.amount_minor == 3000 and second.refund_id != first.refund_id
    assert len(stripe_double.refunds) == 2
    assert stripe_double.refunds[first.refund_id]["metadata"] == {"reason": "dented"}
    with pytest.raises(ProviderRejected, match="greater than unrefunded amount"):
        provider.refund_create(intent_id=intent.intent_id, amount_minor=1, idempotency_key="c")
    charge = stripe_double.charges[stripe_double.intents[intent.intent_id]["latest_charge"]]
    assert (charge["amount_refunded"], charge["refunded"]) == (5000, True)


def test_a_refund_of_an_unpaid_intent_is_refused(provider):
    intent = _create(provider)
    with pytest.raises(ProviderRejected, match="does not have a successful charge"):
        provider.refund_create(intent_id=intent.intent_id, amount_minor=100, idempotency_key="r")


def test_a_declined_card_leaves_the_intent_payable_with_the_reason(provider, stripe_double):
    intent = _create(provider)

    declined = provider.intent_confirm(
        intent_id=intent.intent_id, payment_method="pm_card_chargeDeclined"
    )

    assert declined.status == "requires_payment_method"
    assert declined.last_error == "Your card was declined."
    assert [e["type"] for e in stripe_double.events][-1] == "payment_intent.payment_failed"
    paid = provider.intent_confirm(intent_id=intent.intent_id, payment_method="pm_card_visa")
    assert paid.status == "succeeded" and paid.last_error == ""


def test_the_test_card_4000000000000002_is_declined_by_the_double(stripe_double):
    import stripe

    client = stripe.StripeClient(
        "sk_test_double", base_addresses={"api": stripe_double.url}, max_network_retries=0
    )
    intent = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.confirm(
            intent.id,
            params={"payment_method_data": {"type": "card", "card": {"number": DECLINED_CARD}}},
        )
    assert raised.value.code == "card_declined" and raised.value.http_status == 402


def test_outages_and_unknown_intents_map_to_the_interface_errors(provider, stripe_double, settings):
    stripe_double.fail_next(1, status=503)
    with pytest.raises(ProviderUnavailable):
        _create(provider)
    with pytest.raises(ProviderRejected, match="No such payment_intent"):
        provider.intent_retrieve(intent_id="pi_missing")
    settings.STRIPE_SECRET_KEY = "rk_live_wrong"
    with pytest.raises(ProviderUnavailable, match="API key"):
        _create(provider)
    settings.STRIPE_SECRET_KEY = "sk_test_double"
    stripe_double.stop()  # nobody listens on the port any more
    with pytest.raises(ProviderUnavailable, match="unreachable"):
        _create(provider, key="order_3_payment")
