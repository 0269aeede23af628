"""Payments' public interface: what orders (checkout, cancellation, refunds) and the API call.

Payments sits below orders: it never calls orders. What the provider reports is recorded here
and published as outbox events in the same transaction (see signals.py); orders' receivers
apply them. Provider calls never run inside a database transaction of ours that holds locks,
except the dummy provider's own (it IS a database). Modules of this package are its private
layout: intents (checkout's payment, outcomes), refunds, webhooks.
"""

from apps.payments.services.intents import (
    OpenedIntent,
    PaymentInfo,
    PaymentIntentInfo,
    dummy_intent_complete,
    intent_idempotency_key,
    minor_units,
    payment_cancel,
    payment_canceled_record,
    payment_failed_record,
    payment_for_order,
    payment_intent_create,
    payment_intent_open,
    payment_record,
    payment_succeeded_record,
)
from apps.payments.services.refunds import (
    RefundInfo,
    refund_execute,
    refund_get,
    refund_idempotency_key,
    refund_request,
    refunds_for_order,
    refunds_reconcile,
    refunds_retry,
)
from apps.payments.services.webhooks import WebhookOutcome, webhook_receive

__all__ = [
    "OpenedIntent",
    "PaymentInfo",
    "PaymentIntentInfo",
    "RefundInfo",
    "WebhookOutcome",
    "dummy_intent_complete",
    "intent_idempotency_key",
    "minor_units",
    "payment_cancel",
    "payment_canceled_record",
    "payment_failed_record",
    "payment_for_order",
    "payment_intent_create",
    "payment_intent_open",
    "payment_record",
    "payment_succeeded_record",
    "refund_execute",
    "refund_get",
    "refund_idempotency_key",
    "refund_request",
    "refunds_for_order",
    "refunds_reconcile",
    "refunds_retry",
    "webhook_receive",
]
