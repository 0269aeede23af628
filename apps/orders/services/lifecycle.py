"""Order transitions: the one way an order's status changes (through the state machine),
with what each transition does besides — history, outbox event, stock, coupon use, refunds.

Lock order: the order row first, then (through inventory) its reservations and stock rows,
then (through promotions) promotion rows. Checkout's placing transaction takes stock rows
then promotion rows and only inserts its (new) order row, so the two never wait on each
other in opposite orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from apps.inventory.services import reservation_release, stock_restock
from apps.orders.exceptions import InvalidInput, OrderNotFound
from apps.orders.models import Order, OrderHistory
from apps.orders.services import discounts as promotions
from apps.orders.services import refunds
from apps.orders.services.info import Actor, OrderInfo, order_info
from apps.orders.state_machine import (
    CUSTOMER,
    STAFF,
    UNPAID,
    Status,
    event_name,
    transition_check,
)
from shop import events
from shop.errors import parse_uuid

# Order.cancel_reason codes.
CANCEL_EXPIRED = "reservation_expired"
CANCEL_CHECKOUT_FAILED = "checkout_failed"
CANCEL_CUSTOMER = "customer"
CANCEL_STAFF = "staff"


def lock(order_id: UUID | str) -> Order:
    """SELECT … FOR UPDATE the order (inside the caller's transaction)."""
    order = Order.objects.select_for_update().filter(id=parse_uuid(order_id, "order_id")).first()
    if order is None:
        raise OrderNotFound()
    return order


def history_write(order: Order, *, from_status: str, actor: Actor, note: str) -> OrderHistory:
    return OrderHistory.objects.create(
        order=order,
        from_status=from_status,
        to_status=order.status,
        note=note[:500],
        actor=actor.kind,
        actor_id=actor.user_id,
    )


def note_add(order: Order, *, actor: Actor, note: str) -> OrderHistory:
    """A history row about the order that is no transition (from = to = its status)."""
    return history_write(order, from_status=order.status, actor=actor, note=note)


def _publish(order: Order, *, from_status: str, actor: Actor, note: str) -> None:
    events.publish(
        event_name(order.status),
        {
            "order_id": str(order.id),
            "order_number": order.order_number,
            "user_id": str(order.user_id),
            "from": from_status,
            "to": order.status,
            "actor": actor.kind,
            "note": note[:500],
        },
    )


def transition_apply(
    order: Order, *, to: str, actor: Actor, note: str = "", fields: Iterable[str] = ()
) -> OrderHistory:
    """Move a LOCKED order to `to`: checked by the state machine (IllegalTransition), saved
    with `fields` the caller changed, a history row with who and why, `order.<to>` published
    — all in the caller's transaction."""
    transition_check(order.status, to, actor.kind)
    from_status = order.status
    order.status = to
    order.updated_at = timezone.now()
    changed = ["status", "updated_at", *fields]
    if to == Status.PAID:
        order.paid_at = order.updated_at
        changed.append("paid_at")
    order.save(update_fields=changed)
    row = history_write(order, from_status=from_status, actor=actor, note=note)
    _publish(order, from_status=from_status, actor=actor, note=note)
    return row


def transition_from(
    order: Order, *, from_status: str, to: str, actor: Actor, note: str = "", **values
) -> OrderHistory | None:
    """Compare-and-set: move the order from `from_status` to `to` only if it is still
    `from_status` (one UPDATE … WHERE status = …, no separate lock), setting `values` too.
    Checked by the state machine first. Returns the history row, or None (nothing changed)
    when the order had moved on. Inside the caller's transaction. Checkout's hot path."""
    transition_check(from_status, to, actor.kind)
    now = timezone.now()
    updated = Order.objects.filter(id=order.id, status=from_status).update(
        status=to, updated_at=now, **values
    )
    if not updated:
        return None
    order.status, order.updated_at = to, now
    for name, value in values.items():
        setattr(order, name, value)
    row = history_write(order, from_status=from_status, actor=actor, note=note)
    _publish(order, from_status=from_status, actor=actor, note=note)
    return row


def _own(order: Order, actor: Actor) -> None:
    if actor.kind == CUSTOMER and order.user_id != actor.user_id:
        raise OrderNotFound()  # another user's order is indistinguishable from none


def cancel_locked(order: Order, *, actor: Actor, note: str, cancel_reason: str) -> None:
    """Cancel a LOCKED order (inside the caller's transaction): an unpaid one releases its
    reservation and gives its coupon use back; a paid one puts its units back into stock and
    refunds the customer in full (requested here, made through the provider after the
    commit). Raises IllegalTransition."""
    transition_check(order.status, Status.CANCELLED, actor.kind)
    if order.status in UNPAID:
        reservation_release(order_id=order.id, reason=f"order cancelled: {note}"[:255])
        promotions.usage_void(order_id=order.id)
    else:
        stock_restock(order_id=order.id, reason=f"order cancelled: {note}"[:255])
        note = refunds.order_refund_full(order, reason=note)
    order.cancel_reason = cancel_reason
    transition_apply(
        order,
        to=Status.CANCELLED,
        actor=actor,
        note=note,
        fields=["cancel_reason", "refund_due"],
    )


def order_cancel(*, order_id: UUID | str, actor: Actor, reason: str = "") -> OrderInfo:
    """Cancel the order (`orders/{id}/cancel`, admin, staff API).

    The owner may cancel before processing (pending, confirmed, paid); staff also a
    processing order. A paid or processing order's units go back into stock and its payment
    is refunded in full through the provider. Raises OrderNotFound (unknown, or another customer's),
    IllegalTransition (409) for any other status or actor.
    """
    with transaction.atomic():
        order = lock(order_id)
        _own(order, actor)
        who = "customer" if actor.kind == CUSTOMER else "staff"
        cancel_locked(
            order,
            actor=actor,
            note=(reason or f"cancelled by the {who}").strip(),
            cancel_reason=CANCEL_CUSTOMER if actor.kind == CUSTOMER else CANCEL_STAFF,
        )
    return order_info(order)


def order_status_set(
    *,
    order_id: UUID | str,
    status: str,
    actor: Actor,
    note: str = "",
    tracking_number: str | None = None,
) -> OrderInfo:
    """Staff move an order along (`orders/{id}/status`, admin actions): processing, shipped
    (with `tracking_number`), delivered, returned, or cancelled (as `order_cancel`).

    Raises InvalidInput naming `status` (unknown) or `tracking_number` (missing for shipped,
    given for anything else), OrderNotFound, IllegalTransition (409) when the state machine
    does not allow it (e.g. paid, which only a payment makes).
    """
    if status not in Status.values:
        raise InvalidInput(details={"status": [f"Must be one of {', '.join(Status.values)}."]})
    tracking_number = (tracking_number or "").strip()
    if status == Status.SHIPPED and not tracking_number:
        raise InvalidInput(details={"tracking_number": ["Required to mark an order shipped."]})
    if tracking_number and status != Status.SHIPPED:
        raise InvalidInput(details={"tracking_number": ["Only with status shipped."]})
    if len(tracking_number) > 100:
        raise InvalidInput(details={"tracking_number": ["At most 100 characters."]})
    if status == Status.CANCELLED:
        return order_cancel(order_id=order_id, actor=actor, reason=note)
    with transaction.atomic():
        order = lock(order_id)
        _own(order, actor)
        fields = []
        if tracking_number:
            order.tracking_number = tracking_number
            fields.append("tracking_number")
        default = f"{status} (by {'staff' if actor.kind == STAFF else actor.kind})"
        transition_apply(order, to=status, actor=actor, note=note or default, fields=fields)
    return order_info(order)
