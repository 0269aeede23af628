"""`POST payments/webhook`: Stripe's events, verified, each applied once.

The signature (`Stripe-Signature`, HMAC-SHA256 with STRIPE_WEBHOOK_SECRET, at most 5 minutes
old) is checked by the SDK's `stripe.Webhook.construct_event` before anything is read. The
event is then stored by its provider id in the SAME transaction as its effect (the payment's
change and the outbox event it publishes): a redelivery — Stripe retries, or two deliveries
at once, which wait on each other at the unique index — finds the row and changes nothing.
An event whose effect fails rolls back with its row (answered 500: Stripe delivers it again).

Out of order is fine: each effect reads the payment's current state under its row lock
(`succeeded` after `canceled` is still recorded — the money was taken, orders refunds it;
`payment_failed` after `succeeded` changes nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from apps.payments.exceptions import InvalidSignature, PaymentNotFound
from apps.payments.models import WebhookEvent
from apps.payments.services.intents import (
    payment_canceled_record,
    payment_failed_record,
    payment_succeeded_record,
)
from apps.payments.services.refunds import refunds_reconcile
from shop import metrics

logger = logging.getLogger(__name__)

PROVIDER = "stripe"
HANDLED_TYPES = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "charge.refunded",
)
for _type in HANDLED_TYPES:
    for _result in metrics.WEBHOOK_RESULTS:
        metrics.WEBHOOK_EVENTS.labels(type=_type, result=_result)


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    type: str
    result: str  # applied | duplicate | ignored


def _verified(payload: bytes, signature: str | None) -> dict[str, Any]:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret or not signature:
        raise InvalidSignature()
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidSignature() from exc
    event = event.to_dict()
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise InvalidSignature("The webhook body is no Stripe event.")
    return event


def webhook_receive(*, payload: bytes, signature: str | None) -> WebhookOutcome:
    """Verify and apply one Stripe webhook delivery (see the module doc).

    Returns the outcome: `applied`, `duplicate` (this event id was applied before) or
    `ignored` (a type we do not handle, or an intent that is not ours). Raises
    InvalidSignature (400) for a missing, bad or stale signature, or no configured secret.
    """
    try:
        event = _verified(payload, signature)
    except InvalidSignature:
        metrics.WEBHOOK_EVENTS.labels(type="unverified", result="rejected").inc()
        raise
    event_type = event["type"]
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():  # waits on a concurrent delivery of the same id
                    row = WebhookEvent.objects.create(
                        provider=PROVIDER, event_id=event["id"], type=event_type, result=""
                    )
            except IntegrityError:
                result = "duplicate"
            else:
                result = _apply(event_type, event.get("data", {}).get("object") or {})
                row.result = result
                row.save(update_fields=["result"])
    except Exception:
        metrics.WEBHOOK_EVENTS.labels(type=event_type, result="failed").inc()
        logger.exception("webhook event %s (%s) failed", event["id"], event_type)
        raise
    metrics.WEBHOOK_EVENTS.labels(type=event_type, result=result).inc()
    return WebhookOutcome(event_id=event["id"], type=event_type, result=result)


def _apply(event_type: str, obj: dict[str, Any]) -> str:
    try:
        if event_type == "payment_intent.succeeded":
            payment_succeeded_record(provider=PROVIDER, intent_id=obj["id"])
        elif event_type == "payment_intent.payment_failed":
            error = obj.get("last_payment_error") or {}
            reason = error.get("message") or error.get("code") or "payment failed"
            payment_failed_record(provider=PROVIDER, intent_id=obj["id"], reason=reason)
        elif event_type == "payment_intent.canceled":
            payment_canceled_record(provider=PROVIDER, intent_id=obj["id"])
        elif event_type == "charge.refunded":
            intent_id = obj.get("payment_intent")
            if not intent_id:
                return "ignored"
            refunds_reconcile(
                provider=PROVIDER,
                intent_id=intent_id,
                refunds=(obj.get("refunds") or {}).get("data") or [],
                amount_refunded=int(obj.get("amount_refunded") or 0),
            )
        else:
            return "ignored"
    except PaymentNotFound:
        # An intent this shop did not create (another integration on the same account).
        logger.info("webhook %s for an unknown intent: ignored", event_type)
        return "ignored"
    return "applied"
