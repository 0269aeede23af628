"""Refunds owed by orders: THE one place orders decides that money goes back.

Called when a paid order is cancelled, and when a payment arrives for an order that can no
longer be filled (its reservation expired and the stock is gone, or it was cancelled). For
now the refund is recorded as due — on the order (`refund_due`, a history note) and on its
payment (`apps.payments.services.payment_refund_due`) — for staff to act on; the refunds
issue turns `payment_refund_due` into an automatic provider refund, and this module is where
the order's side of it (a `refunded` transition, partial refunds) grows.
"""

from __future__ import annotations

from apps.orders.models import Order
from apps.payments.services import payment_refund_due


def order_refund_owed(order: Order, *, reason: str) -> str:
    """Record that the whole amount paid for a LOCKED order is owed back (inside the caller's
    transaction); sets `order.refund_due` (the caller saves it). Returns the history note
    that says so. An order without a payment (nothing to pay) owes nothing."""
    if order.payment_id is None or order.total == 0:
        return reason
    payment_refund_due(order_id=order.id, amount=order.total, reason=reason)
    order.refund_due = order.total
    return f"{reason}; refund of {order.total} {order.currency} due"
