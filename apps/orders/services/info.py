"""The plain data orders hands to its API, admin, tasks and (later) other callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from apps.orders.models import Order, OrderHistory, OrderLine
from apps.orders.state_machine import CUSTOMER, STAFF, SYSTEM


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the order's customer, a staff member, or the system."""

    kind: str
    user_id: UUID | None = None

    @classmethod
    def customer(cls, user_id: UUID) -> Actor:
        return cls(CUSTOMER, user_id)

    @classmethod
    def staff(cls, user_id: UUID) -> Actor:
        return cls(STAFF, user_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(SYSTEM)


@dataclass(frozen=True)
class OrderLineInfo:
    variant_id: UUID
    product_id: UUID
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    total_price: Decimal


@dataclass(frozen=True)
class HistoryInfo:
    from_status: str
    status: str
    note: str
    actor: str
    created_at: datetime


@dataclass(frozen=True)
class OrderInfo:
    id: UUID
    order_number: str
    user_id: UUID
    email: str
    status: str
    currency: str
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any]
    shipping_method: str
    coupon_code: str
    promotion_ids: tuple[str, ...]
    payment_id: UUID | None
    tracking_number: str
    refund_due: Decimal
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    lines: tuple[OrderLineInfo, ...]
    history: tuple[HistoryInfo, ...]


def line_info(line: OrderLine) -> OrderLineInfo:
    return OrderLineInfo(
        variant_id=line.variant_id,
        product_id=line.product_id,
        sku=line.sku,
        name=line.name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        total_price=line.total_price,
    )


def history_info(row: OrderHistory) -> HistoryInfo:
    return HistoryInfo(
        from_status=row.from_status,
        status=row.to_status,
        note=row.note,
        actor=row.actor,
        created_at=row.created_at,
    )


def order_info(
    order: Order,
    lines: list[OrderLine] | None = None,
    history: list[OrderHistory] | None = None,
) -> OrderInfo:
    """`order` as plain data; lines and history from the arguments, else from the order's
    prefetched (or lazily loaded) relations."""
    if lines is None:
        lines = list(order.lines.all())
    if history is None:
        history = list(order.history.all())
    return OrderInfo(
        id=order.id,
        order_number=order.order_number,
        user_id=order.user_id,
        email=order.email,
        status=order.status,
        currency=order.currency,
        subtotal=order.subtotal,
        discount=order.discount,
        shipping=order.shipping,
        tax=order.tax,
        total=order.total,
        shipping_address=dict(order.shipping_address),
        billing_address=dict(order.billing_address),
        shipping_method=order.shipping_method,
        coupon_code=order.coupon_code,
        promotion_ids=tuple(order.promotion_ids),
        payment_id=order.payment_id,
        tracking_number=order.tracking_number,
        refund_due=order.refund_due,
        created_at=order.created_at,
        updated_at=order.updated_at,
        paid_at=order.paid_at,
        lines=tuple(line_info(line) for line in sorted(lines, key=lambda li: li.position)),
        history=tuple(
            history_info(row) for row in sorted(history, key=lambda h: (h.created_at, h.id or 0))
        ),
    )


__all__ = [
    "Actor",
    "HistoryInfo",
    "OrderInfo",
    "OrderLineInfo",
    "STAFF",
    "SYSTEM",
    "history_info",
    "line_info",
    "order_info",
]
