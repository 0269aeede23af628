"""What payments and inventory report about an order, applied by orders' receivers: a
payment succeeded or failed, a reservation expired. Each is idempotent (events may be
delivered again, and a provider may report the same success twice)."""

from __future__ import annotations

import logging
from uuid import UUID

from django.db import transaction

from apps.inventory.exceptions import InsufficientStock
from apps.inventory.services import reservation_confirm, reservation_create
from apps.orders.models import Order
from apps.orders.services import discounts as promotions
from apps.orders.services import refunds
from apps.orders.services.info import Actor, OrderInfo, order_info
from apps.orders.services.lifecycle import (
    CANCEL_EXPIRED,
    cancel_locked,
    note_add,
    transition_apply,
)
from apps.orders.state_machine import UNPAID, Status
from apps.promotions.exceptions import InvalidCoupon
from shop.errors import parse_uuid

logger = logging.getLogger(__name__)

SYSTEM = Actor.system()


def _locked_or_none(order_id: UUID | str) -> Order | None:
    return Order.objects.select_for_update().filter(id=parse_uuid(order_id, "order_id")).first()


def _stock_confirm(order_id: UUID) -> bool:
    """Turn the order's reservation into a sale; False when it had been released (expired)
    before the payment came."""
    return reservation_confirm(order_id=order_id).status == "confirmed"


class _Gone(Exception):
    pass


def _stock_reserve_again(order: Order) -> bool:
    """After its reservation expired: reserve and sell the order's lines again and make its
    coupon use count (taken again if it had been given back). All or nothing, in a
    savepoint: False when the stock, or the coupon's last use, is gone."""
    lines = [(line.variant_id, line.quantity) for line in order.lines.order_by("position")]
    try:
        with transaction.atomic():
            reservation_create(order_id=order.id, lines=lines)
            if not _stock_confirm(order.id):
                raise _Gone()
            promotions.usage_confirm(order_id=order.id)
    except (InsufficientStock, InvalidCoupon, _Gone):
        return False
    return True


def order_payment_succeeded(*, order_id: UUID | str) -> OrderInfo | None:
    """The order's payment succeeded (`payment.succeeded`): the order becomes `paid`, its
    reservation a sale (stock quantity drops), its coupon use counts, and `order.paid`
    (→ the confirmation email) is published — in one transaction.

    A payment that arrives after the reservation expired re-reserves if the stock allows
    (an order cancelled for the expiry comes back as paid); otherwise the order stays (or
    becomes) cancelled and the payment is refunded in full ("refunded: stock gone"; the
    provider is called after the commit, the customer gets the refund email). A payment for
    an order cancelled for any other reason is refunded too. A repeated success changes
    nothing.
    Returns the order (None for an unknown order: logged, nothing to do).
    """
    with transaction.atomic():
        order = _locked_or_none(order_id)
        if order is None:
            logger.error("payment succeeded for unknown order %s", order_id)
            return None
        if order.status == Status.PENDING:
            # Paid before checkout could mark it confirmed (its step 4 was interrupted).
            transition_apply(order, to=Status.CONFIRMED, actor=SYSTEM, note="payment received")
        if order.status == Status.CONFIRMED:
            sold = _stock_confirm(order.id)
            if sold:
                promotions.usage_confirm(order_id=order.id)
            if sold or _stock_reserve_again(order):
                transition_apply(order, to=Status.PAID, actor=SYSTEM, note="payment succeeded")
            else:
                cancel_locked(
                    order,
                    actor=SYSTEM,
                    note="reservation expired before the payment and the stock is gone",
                    cancel_reason=CANCEL_EXPIRED,
                )
                _refund(order, STOCK_GONE)
        elif order.status == Status.CANCELLED:
            if order.cancel_reason == CANCEL_EXPIRED and _stock_reserve_again(order):
                order.cancel_reason = ""
                transition_apply(
                    order,
                    to=Status.PAID,
                    actor=SYSTEM,
                    note="payment succeeded after the reservation expired; stock reserved again",
                    fields=["cancel_reason"],
                )
            elif order.cancel_reason == CANCEL_EXPIRED:
                _refund(order, STOCK_GONE)
            else:
                # Idempotent: a payment refunded (or being refunded) already has nothing left.
                _refund(order, "refunded: payment received for a cancelled order")
        # paid or later: a repeated success changes nothing.
    return order_info(order)


STOCK_GONE = "refunded: stock gone (the payment came after the reservation expired)"


def _refund(order: Order, reason: str) -> None:
    note = refunds.order_refund_full(order, reason=reason)
    order.save(update_fields=["refund_due", "updated_at"])
    note_add(order, actor=SYSTEM, note=note)


def order_payment_failed(*, order_id: UUID | str, reason: str) -> None:
    """A payment attempt failed (`payment.failed`): noted in the history of an unpaid order,
    which stays as it is and may still be paid until its reservation expires."""
    with transaction.atomic():
        order = _locked_or_none(order_id)
        if order is not None and order.status in UNPAID:
            note_add(order, actor=SYSTEM, note=f"payment failed: {reason}"[:500])


def order_reservation_expired(*, order_id: UUID | str) -> OrderInfo | None:
    """The order's reservation expired unpaid (`reservation.expired`): the order is
    cancelled ("reservation expired"), its coupon use given back, and `order.cancelled`
    published (its receiver cancels the payment intent). An order that was paid meanwhile,
    or is already cancelled, is left alone. Returns the order (None when no order has this
    id: reservations are also made outside checkout)."""
    with transaction.atomic():
        order = _locked_or_none(order_id)
        if order is None:
            return None
        if order.status in UNPAID:
            cancel_locked(
                order, actor=SYSTEM, note="reservation expired", cancel_reason=CANCEL_EXPIRED
            )
    return order_info(order)
