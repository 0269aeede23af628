"""Reads: orders for their owner and staff, shipping methods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db.models import Prefetch, QuerySet

from apps.orders.exceptions import OrderNotFound
from apps.orders.models import Order, OrderHistory, OrderLine, ShippingMethod
from apps.orders.services.info import OrderInfo, order_info
from shop.errors import parse_uuid


@dataclass(frozen=True)
class ShippingMethodInfo:
    code: str
    name: str
    price: Decimal
    free_over: Decimal | None


def _with_relations(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position")),
        Prefetch("history", queryset=OrderHistory.objects.order_by("created_at", "id")),
    )


def order_get(*, order_id: UUID | str, user_id: UUID | None = None) -> OrderInfo:
    """The order with its lines and history (oldest first). With `user_id`, only that user's
    order: another user's is OrderNotFound (404), like an unknown one."""
    try:
        order_id = parse_uuid(order_id, "order_id")
    except Exception:
        raise OrderNotFound()
    orders = Order.objects.filter(id=order_id)
    if user_id is not None:
        orders = orders.filter(user_id=user_id)
    order = _with_relations(orders).first()
    if order is None:
        raise OrderNotFound()
    return order_info(order)


def orders_list(
    *,
    user_id: UUID | None = None,
    status: str | None = None,
    created_after: datetime | None = None,
) -> QuerySet[Order]:
    """Orders newest first, lazily (for orders' own API to paginate; map a page with
    `order_info`): a user's own with `user_id`, else all (staff), filtered by `status` and
    `created_after`. Three queries per page whatever its size."""
    orders = Order.objects.all()
    if user_id is not None:
        orders = orders.filter(user_id=user_id)
    if status:
        orders = orders.filter(status=status)
    if created_after is not None:
        orders = orders.filter(created_at__gt=created_after)
    return _with_relations(orders.order_by("-created_at", "-id"))


def shipping_methods_list() -> list[ShippingMethodInfo]:
    return [
        ShippingMethodInfo(code=m.code, name=m.name, price=m.price, free_over=m.free_over)
        for m in ShippingMethod.objects.filter(active=True).order_by("position", "code")
    ]


__all__ = ["ShippingMethodInfo", "order_get", "order_info", "orders_list", "shipping_methods_list"]
