"""Handlers of outbox events (connected by OrdersConfig.ready via BoundedContextConfig).

Payments and inventory sit below orders and tell it what happened through events; orders'
own `order.<status>` events drive what must follow a transition outside its transaction
(cancelling a provider intent, emails). Each handler calls one idempotent service; the outbox
applies each event once per handler and retries a failing one with backoff.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from apps.inventory.signals import RESERVATION_EXPIRED
from apps.orders import services, tasks
from apps.orders.models import OrderEmail
from apps.orders.state_machine import UNPAID, Status, event_name
from apps.payments.services import payment_cancel
from apps.payments.signals import (
    PAYMENT_FAILED,
    PAYMENT_REFUND_FAILED,
    PAYMENT_REFUNDED,
    PAYMENT_SUCCEEDED,
)
from shop import events


@events.handler(PAYMENT_SUCCEEDED)
def order_paid_on_payment_succeeded(event_id: UUID, payload: dict[str, Any]) -> None:
    services.order_payment_succeeded(order_id=payload["order_id"])


@events.handler(PAYMENT_FAILED)
def order_noted_on_payment_failed(event_id: UUID, payload: dict[str, Any]) -> None:
    services.order_payment_failed(order_id=payload["order_id"], reason=payload.get("reason", ""))


@events.handler(PAYMENT_REFUNDED)
def order_noted_on_payment_refunded(event_id: UUID, payload: dict[str, Any]) -> None:
    services.order_refund_recorded(
        order_id=payload["order_id"],
        amount=payload["amount"],
        amount_refunded=payload["amount_refunded"],
        origin=payload.get("origin", "shop"),
        reason=payload.get("reason", ""),
    )


@events.handler(PAYMENT_REFUND_FAILED)
def order_noted_on_payment_refund_failed(event_id: UUID, payload: dict[str, Any]) -> None:
    services.order_refund_failed(
        order_id=payload["order_id"], amount=payload["amount"], reason=payload.get("reason", "")
    )


@events.handler(RESERVATION_EXPIRED)
def order_cancelled_on_reservation_expired(event_id: UUID, payload: dict[str, Any]) -> None:
    services.order_reservation_expired(order_id=payload["order_id"])


@events.handler(event_name(Status.CANCELLED))
def intent_cancelled_on_order_cancelled(event_id: UUID, payload: dict[str, Any]) -> None:
    """An unpaid order was cancelled: its intent must no longer take money. The provider is
    called here, outside the cancelling transaction (a failure is retried)."""
    if payload["from"] in UNPAID:
        payment_cancel(order_id=payload["order_id"])


# Emails: queued on the `email` queue from here (a broker outage fails the handler, which the
# outbox retries); the task sends each kind once per order (a refund's once per refund).


@events.handler(event_name(Status.PAID))
def confirmation_email_on_order_paid(event_id: UUID, payload: dict[str, Any]) -> None:
    tasks.order_email_send_task.delay(payload["order_id"], OrderEmail.Kind.CONFIRMATION)


@events.handler(event_name(Status.SHIPPED))
def shipped_email_on_order_shipped(event_id: UUID, payload: dict[str, Any]) -> None:
    tasks.order_email_send_task.delay(payload["order_id"], OrderEmail.Kind.SHIPPED)


@events.handler(event_name(Status.CANCELLED))
def cancelled_email_on_order_cancelled(event_id: UUID, payload: dict[str, Any]) -> None:
    # A pending order never reached the customer (its checkout failed and said so).
    if payload["from"] != Status.PENDING:
        tasks.order_email_send_task.delay(payload["order_id"], OrderEmail.Kind.CANCELLED)


@events.handler(PAYMENT_REFUNDED)
def refund_email_on_payment_refunded(event_id: UUID, payload: dict[str, Any]) -> None:
    tasks.order_email_send_task.delay(
        payload["order_id"], OrderEmail.Kind.REFUND, payload["refund_id"]
    )
