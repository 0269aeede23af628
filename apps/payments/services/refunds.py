"""Refunds: money going back for a succeeded payment.

Two steps, so no provider call runs inside a transaction that holds our locks:

1. `refund_request` (inside the caller's transaction, e.g. with the order locked): checks the
   amount against what remains (paid − refunded − already pending) under the payment's row
   lock, records a `pending` Refund (counted in `Payment.refund_due`) and publishes
   `refund.requested`. Nothing is sent yet; a rolled-back caller leaves nothing behind.
2. `refund_execute` (after the commit: payments' receiver of `refund.requested`, and the
   caller itself when it wants the outcome at once): asks the provider with the idempotency
   key `refund_<id>`, so the two, a retry, or `refunds_retry` never refund twice. Success →
   `succeeded`, `Payment.amount_refunded` grows, `payment.refunded` published (orders
   notes it, emails the customer, moves a fully refunded order); refused → `failed`,
   `payment.refund_failed`; provider down → stays `pending` (due) and is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from apps.payments.exceptions import (
    PaymentConflict,
    PaymentNotFound,
    PaymentUnavailable,
    RefundNotFound,
)
from apps.payments.models import Payment, Refund
from apps.payments.providers import ProviderRejected, ProviderUnavailable, provider_get
from apps.payments.services.intents import minor_units
from apps.payments.signals import PAYMENT_REFUND_FAILED, PAYMENT_REFUNDED, REFUND_REQUESTED
from shop import events
from shop.errors import InvalidInput, parse_uuid

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
# A pending refund younger than this is left to the receiver that is making it.
RETRY_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class RefundInfo:
    id: UUID
    payment_id: UUID
    order_id: UUID
    amount: Decimal
    currency: str
    lines: tuple[Mapping[str, Any], ...]
    reason: str
    origin: str  # shop | provider
    status: str  # pending | succeeded | failed
    provider_refund_id: str
    last_error: str
    created_at: datetime
    succeeded_at: datetime | None


def _refund_info(refund: Refund, payment: Payment | None = None) -> RefundInfo:
    payment = payment or refund.payment
    return RefundInfo(
        id=refund.id,
        payment_id=payment.id,
        order_id=payment.order_id,
        amount=refund.amount,
        currency=payment.currency,
        lines=tuple(refund.lines or ()),
        reason=refund.reason,
        origin=refund.origin,
        status=refund.status,
        provider_refund_id=refund.provider_refund_id,
        last_error=refund.last_error,
        created_at=refund.created_at,
        succeeded_at=refund.succeeded_at,
    )


def refund_idempotency_key(refund_id: UUID | str) -> str:
    return f"refund_{refund_id}"


def _lock_payment(**lookup) -> Payment:
    payment = Payment.objects.select_for_update().filter(**lookup).first()
    if payment is None:
        raise PaymentNotFound(details={key: str(value) for key, value in lookup.items()})
    return payment


def refund_remaining(payment: Payment) -> Decimal:
    return payment.amount - payment.amount_refunded - payment.refund_due


def refund_request(
    *,
    order_id: UUID | str,
    amount: Decimal | None = None,
    lines: Iterable[Mapping[str, Any]] = (),
    reason: str = "",
) -> RefundInfo:
    """Request a refund of `amount` (None: everything that remains) of the order's succeeded
    payment, joining the caller's transaction (see the module doc); `lines` records what it
    is for. Returns the pending refund (made after the commit).

    Raises PaymentNotFound (no payment), PaymentConflict when it has not succeeded (nothing
    was taken), InvalidInput naming `amount` when it is not positive or above what remains.
    """
    order_id = parse_uuid(order_id, "order_id")
    with transaction.atomic():
        payment = _lock_payment(order_id=order_id)
        if payment.status != Payment.Status.SUCCEEDED:
            raise PaymentConflict("Nothing was paid, so nothing can be refunded.")
        remaining = refund_remaining(payment)
        amount = remaining if amount is None else Decimal(amount)
        if amount != amount.quantize(CENT) or amount <= 0:
            raise InvalidInput(details={"amount": ["Must be a positive amount in cents."]})
        if amount > remaining:
            raise InvalidInput(
                f"At most {remaining} {payment.currency} remains to refund.",
                details={"amount": [f"At most {remaining} remains to refund."]},
            )
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            lines=[_plain_line(line) for line in lines],
            reason=reason[:255],
        )
        payment.refund_due += amount
        payment.save(update_fields=["refund_due", "updated_at"])
        events.publish(REFUND_REQUESTED, {"refund_id": str(refund.id)})
    return _refund_info(refund, payment)


def _plain_line(line: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "variant_id": str(line["variant_id"]),
        "quantity": int(line["quantity"]),
        "amount": f"{Decimal(line['amount']):.2f}",
    }


def refund_execute(*, refund_id: UUID | str) -> RefundInfo:
    """Make a pending refund through the provider (idempotent: a refund that is no longer
    pending is answered as it is). Call it OUTSIDE the transaction that requested it.

    Returns the refund, `succeeded` or `failed` (the provider refused; published as
    `payment.refund_failed`). Raises RefundNotFound, PaymentUnavailable when the provider
    cannot be reached (the refund stays pending and due; retried by `refunds_retry`).
    """
    refund = _refund_row(refund_id)
    if refund.status != Refund.Status.PENDING:
        return _refund_info(refund)
    payment = refund.payment
    try:
        made = provider_get(payment.provider).refund_create(
            intent_id=payment.intent_id,
            amount_minor=minor_units(refund.amount, payment.currency),
            idempotency_key=refund_idempotency_key(refund.id),
            reason=refund.reason,
            metadata={"refund_id": str(refund.id), "order_id": str(payment.order_id)},
        )
    except ProviderUnavailable as exc:
        Refund.objects.filter(id=refund.id, status=Refund.Status.PENDING).update(
            attempts=refund.attempts + 1, last_error=str(exc)[:255], updated_at=timezone.now()
        )
        logger.warning("refund %s not made yet (provider down): %s", refund.id, exc)
        raise PaymentUnavailable() from exc
    except ProviderRejected as exc:
        logger.error("refund %s refused by %s: %s", refund.id, payment.provider, exc)
        return _refund_failed(refund_id=refund.id, error=str(exc))
    return _refund_succeeded(refund_id=refund.id, provider_refund_id=made.refund_id)


def _refund_succeeded(*, refund_id: UUID, provider_refund_id: str) -> RefundInfo:
    with transaction.atomic():
        payment = _lock_payment(refunds__id=refund_id)
        refund = Refund.objects.select_for_update().get(id=refund_id)
        if refund.status == Refund.Status.PENDING:
            _apply_success(payment, refund, provider_refund_id)
    return _refund_info(refund, payment)


def _apply_success(payment: Payment, refund: Refund, provider_refund_id: str) -> None:
    """A LOCKED payment's pending (or just created provider-side) refund went through."""
    if refund.status == Refund.Status.PENDING and refund.origin == Refund.Origin.SHOP:
        payment.refund_due -= refund.amount
    refund.status = Refund.Status.SUCCEEDED
    refund.provider_refund_id = provider_refund_id
    refund.succeeded_at = timezone.now()
    refund.last_error = ""
    refund.save()
    payment.amount_refunded += refund.amount
    payment.save(update_fields=["amount_refunded", "refund_due", "updated_at"])
    events.publish(
        PAYMENT_REFUNDED,
        {
            "payment_id": str(payment.id),
            "order_id": str(payment.order_id),
            "refund_id": str(refund.id),
            "amount": f"{refund.amount:.2f}",
            "amount_refunded": f"{payment.amount_refunded:.2f}",
            "payment_amount": f"{payment.amount:.2f}",
            "currency": payment.currency,
            "reason": refund.reason,
            "lines": refund.lines,
            "origin": refund.origin,
        },
    )


def _refund_failed(*, refund_id: UUID, error: str) -> RefundInfo:
    with transaction.atomic():
        payment = _lock_payment(refunds__id=refund_id)
        refund = Refund.objects.select_for_update().get(id=refund_id)
        if refund.status == Refund.Status.PENDING:
            refund.status = Refund.Status.FAILED
            refund.last_error = error[:255]
            refund.save(update_fields=["status", "last_error", "updated_at"])
            payment.refund_due -= refund.amount
            payment.save(update_fields=["refund_due", "updated_at"])
            events.publish(
                PAYMENT_REFUND_FAILED,
                {
                    "payment_id": str(payment.id),
                    "order_id": str(payment.order_id),
                    "refund_id": str(refund.id),
                    "amount": f"{refund.amount:.2f}",
                    "currency": payment.currency,
                    "reason": refund.last_error,
                },
            )
    return _refund_info(refund, payment)


def refunds_retry(*, now: datetime | None = None, limit: int = 100) -> int:
    """Try again the refunds still pending after RETRY_AFTER (the provider was down; their
    event's retries ran out). Returns how many went through now or were refused."""
    now = now or timezone.now()
    ids = list(
        Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=now - RETRY_AFTER)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    settled = 0
    for refund_id in ids:
        try:
            refund_execute(refund_id=refund_id)
        except PaymentUnavailable:
            break  # still down: the next run tries again
        settled += 1
    return settled


def refunds_for_order(*, order_id: UUID | str) -> list[RefundInfo]:
    """The order's refunds, oldest first (every status)."""
    payment = Payment.objects.filter(order_id=parse_uuid(order_id, "order_id")).first()
    if payment is None:
        return []
    return [_refund_info(refund, payment) for refund in payment.refunds.order_by("created_at")]


def _refund_row(refund_id: UUID | str) -> Refund:
    refund = (
        Refund.objects.select_related("payment")
        .filter(id=parse_uuid(refund_id, "refund_id"))
        .first()
    )
    if refund is None:
        raise RefundNotFound()
    return refund


def refund_get(*, refund_id: UUID | str) -> RefundInfo:
    return _refund_info(_refund_row(refund_id))


# --- what the provider reports on its own (charge.refunded) ----------------------------------


def refunds_reconcile(
    *, provider: str, intent_id: str, refunds: Iterable[Mapping[str, Any]], amount_refunded: int
) -> int:
    """The provider reports the refunds of an intent's charge (Stripe `charge.refunded`):
    our pending ones it made are marked succeeded; refunds made at the provider itself (its
    dashboard) are recorded (origin `provider`) and published like ours. `refunds` are the
    provider's refund objects ({id, amount, status, metadata}); when it sends none, the
    difference between its `amount_refunded` (minor units) and ours is recorded as one.
    Joins the caller's transaction. Returns how many refunds changed. Raises PaymentNotFound.
    """
    changed = 0
    with transaction.atomic():
        payment = _lock_payment(provider=provider, intent_id=intent_id)
        refunds = [r for r in refunds if r.get("status") == "succeeded"]
        for reported in refunds:
            ours = _ours(payment, reported)
            if ours is not None:
                if ours.status == Refund.Status.PENDING:
                    _apply_success(payment, ours, reported["id"])
                    changed += 1
                continue
            amount = Decimal(int(reported["amount"])) / 10 ** _exponent(payment)
            changed += _record_provider_refund(payment, amount, reported["id"])
        if not refunds:
            known = minor_units(payment.amount_refunded + payment.refund_due, payment.currency)
            if amount_refunded > known:
                amount = Decimal(amount_refunded - known) / 10 ** _exponent(payment)
                changed += _record_provider_refund(payment, amount, "")
    return changed


def _exponent(payment: Payment) -> int:
    return 2 if minor_units(Decimal(1), payment.currency) == 100 else 0


def _ours(payment: Payment, reported: Mapping[str, Any]) -> Refund | None:
    refunds = Refund.objects.select_for_update().filter(payment=payment)
    by_id = refunds.filter(provider_refund_id=reported["id"]).first()
    if by_id is not None:
        return by_id
    ours = (reported.get("metadata") or {}).get("refund_id")
    try:
        return refunds.filter(id=parse_uuid(ours, "refund_id")).first() if ours else None
    except InvalidInput:
        return None


def _record_provider_refund(payment: Payment, amount: Decimal, provider_refund_id: str) -> int:
    amount = min(amount.quantize(CENT), refund_remaining(payment))
    if amount <= 0:
        return 0
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason="refunded at the provider",
        origin=Refund.Origin.PROVIDER,
        status=Refund.Status.PENDING,
    )
    _apply_success(payment, refund, provider_refund_id)
    return 1
