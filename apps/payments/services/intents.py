"""Payment intents: opened for checkout, cancelled with their order, and what the provider
reports about them (a webhook, or the dummy endpoints standing in for one) recorded and
published as an outbox event in the same transaction (`payment.succeeded`, `payment.failed`,
see signals.py); orders' receivers apply it. So the Stripe webhook and the dummy endpoints
share one code path: `payment_succeeded_record` / `payment_failed_record`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.payments.exceptions import PaymentConflict, PaymentNotFound, PaymentUnavailable
from apps.payments.models import Payment
from apps.payments.providers import (
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    provider_get,
)
from apps.payments.providers.dummy import DummyProvider
from apps.payments.signals import PAYMENT_FAILED, PAYMENT_SUCCEEDED
from shop import events
from shop.errors import parse_uuid

logger = logging.getLogger(__name__)

Status = Payment.Status
# ISO 4217 currencies without minor units (the provider takes whole units of these).
ZERO_DECIMAL_CURRENCIES = frozenset({"BIF", "CLP", "GNF", "JPY", "KMF", "KRW", "PYG", "VND"})


@dataclass(frozen=True)
class PaymentInfo:
    id: UUID
    provider: str
    intent_id: str
    order_id: UUID
    user_id: UUID
    amount: Decimal
    currency: str
    status: str  # requires_payment | failed | succeeded | canceled
    amount_refunded: Decimal
    refund_due: Decimal


@dataclass(frozen=True)
class PaymentIntentInfo:
    """A created intent as checkout hands it to the client."""

    payment: PaymentInfo
    client_secret: str | None

    @property
    def provider(self) -> str:
        return self.payment.provider

    @property
    def intent_id(self) -> str:
        return self.payment.intent_id


def _info(payment: Payment) -> PaymentInfo:
    return PaymentInfo(
        id=payment.id,
        provider=payment.provider,
        intent_id=payment.intent_id,
        order_id=payment.order_id,
        user_id=payment.user_id,
        amount=payment.amount,
        currency=payment.currency,
        status=payment.status,
        amount_refunded=payment.amount_refunded,
        refund_due=payment.refund_due,
    )


def minor_units(amount: Decimal, currency: str) -> int:
    """`amount` (two places) in the currency's minor units, as providers take it."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    scaled = (amount * (10**exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def intent_idempotency_key(order_id: UUID | str) -> str:
    """The provider idempotency key of an order's payment intent (DESIGN.md, Checkout)."""
    return f"order_{order_id}_payment"


@dataclass(frozen=True)
class OpenedIntent:
    """An intent the provider created, not yet recorded (see `payment_record`)."""

    provider: str
    intent_id: str
    client_secret: str | None
    order_id: UUID
    user_id: UUID
    amount: Decimal
    currency: str


def payment_intent_open(
    *, order_id: UUID, user_id: UUID, amount: Decimal, currency: str
) -> OpenedIntent:
    """Ask the provider for the order's intent to collect `amount` (the same order again
    answers the same intent: idempotency key `order_<id>_payment`). Writes nothing: record
    it with `payment_record`, in the caller's transaction. Call it OUTSIDE any transaction:
    it waits on the provider. Raises PaymentUnavailable (502) when the provider fails or
    refuses (an intent it may have made cannot be paid: nobody got its secret)."""
    order_id = parse_uuid(order_id, "order_id")
    provider = provider_get()
    currency = currency.upper()
    try:
        intent = provider.intent_create(
            amount_minor=minor_units(amount, currency),
            currency=currency,
            metadata={"order_id": str(order_id), "user_id": str(user_id)},
            idempotency_key=intent_idempotency_key(order_id),
        )
    except ProviderError as exc:
        logger.warning("payment intent for order %s not created: %s", order_id, exc)
        raise PaymentUnavailable() from exc
    return OpenedIntent(
        provider=provider.name,
        intent_id=intent.intent_id,
        client_secret=intent.client_secret,
        order_id=order_id,
        user_id=parse_uuid(user_id, "user_id"),
        amount=amount,
        currency=currency,
    )


def payment_record(*, opened: OpenedIntent) -> PaymentIntentInfo:
    """Record the Payment of an opened intent, joining the caller's transaction (checkout
    records it together with the order's confirmation). Recording the same order's intent
    again answers the payment recorded first."""
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a repeat
            payment = Payment.objects.create(
                provider=opened.provider,
                intent_id=opened.intent_id,
                order_id=opened.order_id,
                user_id=opened.user_id,
                amount=opened.amount,
                currency=opened.currency,
            )
    except IntegrityError:  # the same order again (a retried step): it is the same intent
        payment = Payment.objects.get(order_id=opened.order_id)
    return PaymentIntentInfo(payment=_info(payment), client_secret=opened.client_secret)


def payment_intent_create(
    *, order_id: UUID, user_id: UUID, amount: Decimal, currency: str
) -> PaymentIntentInfo:
    """`payment_intent_open` then `payment_record` (committed on its own). Idempotent per
    order. Raises PaymentUnavailable."""
    opened = payment_intent_open(
        order_id=order_id, user_id=user_id, amount=amount, currency=currency
    )
    with transaction.atomic():
        return payment_record(opened=opened)


def payment_for_order(*, order_id: UUID | str) -> PaymentInfo | None:
    payment = Payment.objects.filter(order_id=parse_uuid(order_id, "order_id")).first()
    return _info(payment) if payment is not None else None


def payment_cancel(*, order_id: UUID | str) -> PaymentInfo | None:
    """Cancel the order's intent so it can no longer be paid (an unpaid order was cancelled).

    Returns the payment (None when the order never got one). Idempotent. A payment that
    already succeeded is left as it is (the caller owes a refund; the provider's success is
    reported through `payment_succeeded_record` as usual). Raises PaymentUnavailable when the
    provider cannot be reached (callers in event handlers are retried).
    """
    order_id = parse_uuid(order_id, "order_id")
    payment = Payment.objects.filter(order_id=order_id).first()
    if payment is None or payment.status in (Status.SUCCEEDED, Status.CANCELED):
        return _info(payment) if payment is not None else None
    try:
        intent = provider_get(payment.provider).intent_cancel(intent_id=payment.intent_id)
    except ProviderUnavailable as exc:
        raise PaymentUnavailable() from exc
    except ProviderRejected as exc:
        logger.warning("intent %s of order %s not canceled: %s", payment.intent_id, order_id, exc)
        return _info(payment)
    if intent.status != "canceled":
        return _info(payment)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(id=payment.id)
        if payment.status in (Status.REQUIRES_PAYMENT, Status.FAILED):
            payment.status = Status.CANCELED
            payment.save(update_fields=["status", "updated_at"])
    return _info(payment)


def payment_canceled_record(*, provider: str, intent_id: str) -> PaymentInfo:
    """The provider reports the intent canceled: an unpaid payment becomes `canceled` (it can
    no longer be paid); a succeeded one is left alone. Publishes nothing (the order expires
    or was cancelled already). Raises PaymentNotFound."""
    with transaction.atomic():
        payment = _locked(provider, intent_id)
        if payment.status in (Status.REQUIRES_PAYMENT, Status.FAILED):
            payment.status = Status.CANCELED
            payment.save(update_fields=["status", "updated_at"])
    return _info(payment)


def _locked(provider: str, intent_id: str) -> Payment:
    payment = (
        Payment.objects.select_for_update().filter(provider=provider, intent_id=intent_id).first()
    )
    if payment is None:
        raise PaymentNotFound(details={"intent_id": intent_id})
    return payment


def payment_succeeded_record(*, provider: str, intent_id: str) -> PaymentInfo:
    """The provider reports that the intent succeeded (webhook, or the dummy endpoint).

    Marks the payment succeeded and publishes `payment.succeeded` in the same transaction,
    once: a repeated report changes nothing and publishes nothing. Recorded even when we had
    canceled the payment (the provider took the money; orders decides to refund).
    Raises PaymentNotFound for an intent we do not know.
    """
    with transaction.atomic():
        payment = _locked(provider, intent_id)
        if payment.status == Status.SUCCEEDED:
            return _info(payment)
        payment.status = Status.SUCCEEDED
        payment.succeeded_at = timezone.now()
        payment.last_error = ""
        payment.save(update_fields=["status", "succeeded_at", "last_error", "updated_at"])
        events.publish(
            PAYMENT_SUCCEEDED,
            {
                "payment_id": str(payment.id),
                "order_id": str(payment.order_id),
                "user_id": str(payment.user_id),
                "provider": payment.provider,
                "intent_id": payment.intent_id,
                "amount": f"{payment.amount:.2f}",
                "currency": payment.currency,
            },
        )
    return _info(payment)


def payment_failed_record(*, provider: str, intent_id: str, reason: str = "") -> PaymentInfo:
    """The provider reports a failed attempt: the payment is `failed` (it may still be paid
    by another attempt) and `payment.failed` is published. A payment that succeeded or was
    canceled is left alone (nothing published). Raises PaymentNotFound."""
    reason = (reason or "payment failed")[:255]
    with transaction.atomic():
        payment = _locked(provider, intent_id)
        if payment.status in (Status.SUCCEEDED, Status.CANCELED):
            return _info(payment)
        payment.status = Status.FAILED
        payment.last_error = reason
        payment.save(update_fields=["status", "last_error", "updated_at"])
        events.publish(
            PAYMENT_FAILED,
            {
                "payment_id": str(payment.id),
                "order_id": str(payment.order_id),
                "user_id": str(payment.user_id),
                "provider": payment.provider,
                "intent_id": payment.intent_id,
                "reason": reason,
            },
        )
    return _info(payment)


# --- the dummy provider's endpoints ----------------------------------------------------------


def dummy_intent_complete(
    *, intent_id: str, succeed: bool, user_id: UUID | str, is_staff: bool
) -> PaymentInfo:
    """`payments/dummy/{intent_id}/succeed|fail`: the customer pays (or is declined) and the
    dummy "provider" reports it the way Stripe's webhook will, through
    `payment_succeeded_record` / `payment_failed_record`.

    Only with PAYMENT_PROVIDER=dummy and for the payment's owner or staff; otherwise (and for
    an unknown intent) PaymentNotFound (404). A repeated success changes nothing. Raises
    PaymentConflict (409) to pay a canceled intent or fail a succeeded one, PaymentUnavailable
    (502) when the dummy provider's Redis cannot be reached.
    """
    if settings.PAYMENT_PROVIDER != "dummy":
        raise PaymentNotFound()
    payment = Payment.objects.filter(provider=DummyProvider.name, intent_id=intent_id).first()
    if payment is None or not (is_staff or str(payment.user_id) == str(user_id)):
        raise PaymentNotFound()
    if not succeed and payment.status == Status.SUCCEEDED:
        raise PaymentConflict("This payment already succeeded.")
    try:
        intent = DummyProvider().intent_pay(intent_id=intent_id, succeed=succeed)
    except ProviderRejected as exc:
        raise PaymentConflict(str(exc).capitalize() + ".") from exc
    except ProviderUnavailable as exc:  # the dummy's store (Redis) is down: nothing changed
        raise PaymentUnavailable() from exc
    if intent.status == "succeeded":
        return payment_succeeded_record(provider=DummyProvider.name, intent_id=intent_id)
    return payment_failed_record(
        provider=DummyProvider.name, intent_id=intent_id, reason="card declined (dummy)"
    )
