"""Returns (RMA): delivered units coming back.

`return_create`: the owner of a delivered order (or staff) asks to return units of its
lines, never more than were delivered and are not already in another return. `return_receive`:
staff take the parcel in, line by line — how many units arrived and whether they go back
into stock (inventory `stock_restock`: `return` movements to the warehouses they came from) —
and the received units are refunded at their refundable value (`refunds.lines_refund_plan`:
discount and tax included, to the cent; units refunded before are not refunded again). When
every delivered unit has come back, the order becomes `returned`. All of one receipt happens
in one transaction with the order locked; the provider is called after it commits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.inventory.services import stock_restock
from apps.orders.exceptions import InvalidInput, OrderNotFound, ReturnConflict, ReturnNotFound
from apps.orders.models import Order, Return, ReturnLine
from apps.orders.services import lifecycle, refunds
from apps.orders.services.info import Actor
from apps.orders.state_machine import CUSTOMER, Status
from apps.payments.exceptions import PaymentUnavailable
from apps.payments.services import refund_execute, refund_get, refund_request
from shop.errors import parse_uuid

SYSTEM = Actor.system()


@dataclass(frozen=True)
class ReturnLineInfo:
    variant_id: UUID
    quantity: int
    received_quantity: int
    restocked_quantity: int


@dataclass(frozen=True)
class ReturnRefundInfo:
    id: UUID
    amount: Decimal
    status: str


@dataclass(frozen=True)
class ReturnInfo:
    id: UUID
    order_id: UUID
    user_id: UUID
    status: str
    reason: str
    lines: tuple[ReturnLineInfo, ...]
    refund: ReturnRefundInfo | None
    created_at: datetime
    received_at: datetime | None


def _info(rma: Return) -> ReturnInfo:
    refund = None
    if rma.refund_id is not None:
        made = refund_get(refund_id=rma.refund_id)
        refund = ReturnRefundInfo(id=made.id, amount=made.amount, status=made.status)
    return ReturnInfo(
        id=rma.id,
        order_id=rma.order_id,
        user_id=rma.user_id,
        status=rma.status,
        reason=rma.reason,
        lines=tuple(
            ReturnLineInfo(
                variant_id=line.variant_id,
                quantity=line.quantity,
                received_quantity=line.received_quantity,
                restocked_quantity=line.restocked_quantity,
            )
            for line in sorted(rma.lines.all(), key=lambda li: li.id)
        ),
        refund=refund,
        created_at=rma.created_at,
        received_at=rma.received_at,
    )


def _quantities(lines: Iterable[Mapping[str, Any]], *, field: str = "lines") -> dict[UUID, int]:
    merged: dict[UUID, int] = {}
    for line in lines:
        variant_id = parse_uuid(line.get("variant_id"), field)
        merged[variant_id] = merged.get(variant_id, 0) + int(line.get("quantity", 0))
    return merged


def _units_in_returns(order: Order) -> dict[UUID, int]:
    """variant_id → units already asked back (requested returns) or received (received)."""
    taken: dict[UUID, int] = {}
    for line in ReturnLine.objects.filter(rma__order=order).select_related("rma"):
        units = (
            line.quantity if line.rma.status == Return.Status.REQUESTED else line.received_quantity
        )
        taken[line.variant_id] = taken.get(line.variant_id, 0) + units
    return taken


def return_create(
    *, order_id: UUID | str, actor: Actor, lines: Iterable[Mapping[str, Any]], reason: str
) -> ReturnInfo:
    """Open a return of `lines` [{variant_id, quantity}] of a delivered order, `requested`.

    The order's owner or staff. Raises OrderNotFound (unknown, another customer's),
    ReturnConflict (409: the order is not delivered), InvalidInput naming `lines` (none, a
    variant not in the order, a quantity below 1 or above what was delivered and is not in
    another return) or `reason` (blank).
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(details={"reason": ["Say why the units come back."]})
    wanted = _quantities(lines)
    if not wanted:
        raise InvalidInput(details={"lines": ["Name at least one line to return."]})
    with transaction.atomic():
        order = lifecycle.lock(order_id)
        if actor.kind == CUSTOMER and order.user_id != actor.user_id:
            raise OrderNotFound()
        if order.status != Status.DELIVERED:
            raise ReturnConflict(
                f"Only a delivered order can be returned; this one is {order.status}.",
                details={"status": order.status},
            )
        bought = {line.variant_id: line.quantity for line in order.lines.all()}
        taken = _units_in_returns(order)
        problems = []
        for variant_id, quantity in wanted.items():
            if variant_id not in bought:
                problems.append(f"Variant {variant_id} is not in this order.")
            elif quantity < 1:
                problems.append(f"Variant {variant_id}: the quantity must be at least 1.")
            elif quantity > bought[variant_id] - taken.get(variant_id, 0):
                left = bought[variant_id] - taken.get(variant_id, 0)
                problems.append(f"Variant {variant_id}: at most {left} unit(s) can come back.")
        if problems:
            raise InvalidInput(details={"lines": problems})
        rma = Return.objects.create(order=order, user_id=order.user_id, reason=reason[:500])
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(rma=rma, variant_id=variant_id, quantity=quantity)
                for variant_id, quantity in sorted(wanted.items(), key=lambda item: str(item[0]))
            ]
        )
        lifecycle.note_add(
            order, actor=actor, note=f"return {str(rma.id)[:8]} requested: {reason}"[:500]
        )
    return _info(rma)


def return_receive(
    *, return_id: UUID | str, actor: Actor, lines: Iterable[Mapping[str, Any]]
) -> ReturnInfo:
    """Staff receive a requested return: `lines` [{variant_id, quantity, restock}] say how
    many units of each returned line arrived and whether they go back into stock (lines not
    named: none arrived). Restocks, refunds the received units (one refund), and moves the
    order to `returned` when every delivered unit has come back — in one transaction; the
    refund is then made through the provider (pending if it is down: retried).

    Raises ReturnNotFound, ReturnConflict (409: received already), InvalidInput naming
    `lines` (a variant not in the return, a quantity above the requested one).
    """
    return_id = parse_uuid(return_id, "return_id")
    received: dict[UUID, tuple[int, bool]] = {}
    for line in lines:
        variant_id = parse_uuid(line.get("variant_id"), "lines")
        quantity, restock = received.get(variant_id, (0, False))
        received[variant_id] = (quantity + int(line.get("quantity", 0)), bool(line.get("restock")))
    with transaction.atomic():
        order_id = Return.objects.filter(id=return_id).values_list("order_id", flat=True).first()
        if order_id is None:
            raise ReturnNotFound()
        order = lifecycle.lock(order_id)  # the order first, as every change of an order
        rma = Return.objects.select_for_update().get(id=return_id)
        if rma.status != Return.Status.REQUESTED:
            raise ReturnConflict(
                "This return was received already.", details={"status": rma.status}
            )
        asked = {line.variant_id: line for line in rma.lines.all()}
        problems = [
            f"Variant {variant_id}: not in this return, or more than the "
            f"{asked[variant_id].quantity if variant_id in asked else 0} unit(s) asked back."
            for variant_id, (quantity, _) in received.items()
            if variant_id not in asked or not 0 <= quantity <= asked[variant_id].quantity
        ]
        if problems:
            raise InvalidInput(details={"lines": problems})
        restock = sorted(
            (variant_id, quantity)
            for variant_id, (quantity, again) in received.items()
            if again and quantity > 0
        )
        if restock:
            stock_restock(order_id=order.id, lines=restock, reason=f"return {rma.id}")
        for variant_id, line in asked.items():
            quantity, again = received.get(variant_id, (0, False))
            line.received_quantity = quantity
            line.restocked_quantity = quantity if again else 0
            line.save(update_fields=["received_quantity", "restocked_quantity"])
        plan = refunds.lines_refund_plan(
            order, [(v, q) for v, (q, _) in received.items() if q > 0], cap=True
        )
        amount = sum((part["amount"] for part in plan), Decimal(0))
        refund = None
        if amount > 0:
            refund = refund_request(
                order_id=order.id, amount=amount, lines=plan, reason=f"return: {rma.reason}"
            )
            order.refund_due += refund.amount
            order.save(update_fields=["refund_due", "updated_at"])
            rma.refund_id, rma.refund_amount = refund.id, refund.amount
        rma.status = Return.Status.RECEIVED
        rma.received_at = timezone.now()
        rma.save(update_fields=["status", "received_at", "refund_id", "refund_amount"])
        units = sum(q for q, _ in received.values())
        note = (
            f"return {str(rma.id)[:8]} received: {units} unit(s), {len(restock)} line(s) restocked"
        )
        if refund is not None:
            note += f", refund of {refund.amount:.2f} {refund.currency} requested"
        if _everything_back(order):
            lifecycle.transition_apply(
                order, to=Status.RETURNED, actor=SYSTEM, note=f"{note}; every unit came back"
            )
        else:
            lifecycle.note_add(order, actor=actor, note=note)
    if refund is not None:
        # Provider down: the refund stays pending and due; the refunds retry makes it.
        with contextlib.suppress(PaymentUnavailable):
            refund_execute(refund_id=refund.id)
    return _info(Return.objects.prefetch_related("lines").get(id=rma.id))


def _everything_back(order: Order) -> bool:
    back = dict(
        ReturnLine.objects.filter(rma__order=order, rma__status=Return.Status.RECEIVED)
        .order_by()
        .values_list("variant_id")
        .annotate(units=Sum("received_quantity"))
    )
    return all(back.get(line.variant_id, 0) >= line.quantity for line in order.lines.all())


def returns_list(*, user_id: UUID | None = None):
    """Returns newest first, lazily, lines prefetched (map a page with `return_info`): a
    user's own with `user_id`, else all (staff)."""
    returns = Return.objects.all()
    if user_id is not None:
        returns = returns.filter(user_id=user_id)
    return returns.prefetch_related("lines").order_by("-created_at", "-id")


def return_info(rma: Return) -> ReturnInfo:
    return _info(rma)


def return_get(*, return_id: UUID | str, user_id: UUID | None = None) -> ReturnInfo:
    """One return; with `user_id` only that user's (another's is ReturnNotFound, 404)."""
    try:
        return_id = parse_uuid(return_id, "return_id")
    except InvalidInput:
        raise ReturnNotFound() from None
    returns = Return.objects.filter(id=return_id)
    if user_id is not None:
        returns = returns.filter(user_id=user_id)
    rma = returns.prefetch_related("lines").first()
    if rma is None:
        raise ReturnNotFound()
    return _info(rma)
