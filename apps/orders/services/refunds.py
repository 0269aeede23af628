"""Refunds: THE one place orders decides that money goes back, and how much.

- A paid order cancelled, or a payment that arrived for an order that can no longer be
  filled (its reservation expired and the stock is gone, or it was cancelled): everything
  that remains of the payment (`order_refund_full`).
- Staff (`orders/{id}/refunds`): an amount, or lines (`order_refund_create`).
- A return received: the received lines' share (`lines_refund_plan`, from returns).

Each is requested through payments (`refund_request`) inside the transaction that decides it
(the order locked), so it commits with its reason or not at all; the provider is called after
the commit. While a refund is on its way (or the provider is down) its amount is in
`order.refund_due`; `payment.refunded` (see `order_refund_recorded`) takes it off, notes it
in the history, and moves a paid order whose refunds reached its total to `refunded`.

A line's refundable value is its `total_price` (after its allocated share of the discount)
plus its share of the order's tax; units of a line are refunded at cumulative shares of that
value, rounded half up, so refunding a line in any number of parts adds up to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django.db import transaction

from apps.orders.exceptions import InvalidInput
from apps.orders.models import Order, OrderLine
from apps.orders.services import lifecycle  # a module: lifecycle imports this one too
from apps.orders.services.info import Actor
from apps.orders.state_machine import Status
from apps.payments.exceptions import PaymentConflict, PaymentUnavailable
from apps.payments.services import (
    RefundInfo,
    payment_for_order,
    refund_execute,
    refund_get,
    refund_request,
    refunds_for_order,
)
from shop.errors import parse_uuid

CENT = Decimal("0.01")
SYSTEM = Actor.system()


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


# --- how much ------------------------------------------------------------------------------


def line_values(lines: Iterable[OrderLine], *, tax: Decimal) -> dict[UUID, Decimal]:
    """variant_id → the line's refundable value: total_price + its share of `tax` (shares in
    proportion to total_price, cumulative rounding in line order, so they sum to `tax`)."""
    ordered = sorted(lines, key=lambda line: line.position)
    merchandise = sum((line.total_price for line in ordered), Decimal(0))
    values: dict[UUID, Decimal] = {}
    running = Decimal(0)
    taken = Decimal(0)
    for line in ordered:
        running += line.total_price
        share = _cents(tax * running / merchandise) - taken if merchandise else Decimal(0)
        taken += share
        values[line.variant_id] = line.total_price + share
    return values


def refunded_units(refunds: Iterable[RefundInfo]) -> dict[UUID, int]:
    """variant_id → units already refunded (or being refunded) by line."""
    units: dict[UUID, int] = {}
    for refund in refunds:
        if refund.status == "failed":
            continue
        for line in refund.lines:
            variant_id = UUID(str(line["variant_id"]))
            units[variant_id] = units.get(variant_id, 0) + int(line["quantity"])
    return units


def lines_refund_plan(
    order: Order, wanted: Iterable[tuple[UUID, int]], *, field: str = "lines", cap: bool = False
) -> list[dict[str, Any]]:
    """The refund of `wanted` units [(variant_id, quantity)] of the order:
    [{variant_id, quantity, amount}] for the lines with something to refund.

    Raises InvalidInput naming `field` for a variant not in the order, a quantity below 1 or
    above the units not yet refunded; with `cap`, quantities above that are cut to it instead
    (a return of units that were refunded already refunds them no second time).
    """
    lines = {line.variant_id: line for line in order.lines.all()}
    merged: dict[UUID, int] = {}
    for variant_id, quantity in wanted:
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    values = line_values(lines.values(), tax=order.tax)
    done = refunded_units(refunds_for_order(order_id=order.id))
    plan, problems = [], []
    for variant_id, quantity in merged.items():
        line = lines.get(variant_id)
        if line is None:
            problems.append(f"Variant {variant_id} is not in this order.")
            continue
        before = done.get(variant_id, 0)
        left = line.quantity - before
        if quantity < (0 if cap else 1):
            problems.append(f"Variant {variant_id}: the quantity must be at least 1.")
            continue
        if quantity > left:
            if not cap:
                problems.append(f"Variant {variant_id}: at most {left} unit(s) remain to refund.")
                continue
            quantity = left
        if quantity == 0:
            continue
        value = values[variant_id]
        amount = _cents(value * (before + quantity) / line.quantity) - _cents(
            value * before / line.quantity
        )
        plan.append({"variant_id": str(variant_id), "quantity": quantity, "amount": amount})
    if problems:
        raise InvalidInput(details={field: problems})
    return plan


# --- requesting ----------------------------------------------------------------------------


def order_refund_full(order: Order, *, reason: str) -> str:
    """Refund everything that remains of a LOCKED order's payment (inside the caller's
    transaction; the provider is called after its commit). Adds it to `order.refund_due`
    (the caller saves it). Returns the history note that says so. An order without a
    succeeded payment, or with nothing left to refund, owes nothing."""
    payment = payment_for_order(order_id=order.id)
    if payment is None or payment.status != "succeeded":
        return reason
    remaining = payment.amount - payment.amount_refunded - payment.refund_due
    if remaining <= 0:
        return reason
    refund = refund_request(order_id=order.id, amount=remaining, reason=reason)
    order.refund_due += refund.amount
    return f"{reason}; refund of {_money(refund.amount, refund.currency)} requested"


def order_refund_create(
    *,
    order_id: UUID | str,
    actor: Actor,
    amount: Decimal | None = None,
    lines: Iterable[Mapping[str, Any]] | None = None,
    reason: str = "",
) -> RefundInfo:
    """Staff refund (`orders/{id}/refunds`): `amount`, or `lines` [{variant_id, quantity}]
    at their refundable value (see the module doc), never above what remains of the payment.
    The refund is requested with the order locked, then made through the provider at once.

    Returns the refund: `succeeded`, or `pending` when the provider could not be reached (it
    stays due and is retried). A paid order whose refunds reach its total becomes `refunded`
    (when the provider confirms). Raises InvalidInput (400: neither or both of amount and
    lines, a bad line, an amount above what remains), OrderNotFound, PaymentConflict (409:
    nothing was paid, or the provider refused the refund).
    """
    lines = list(lines or [])
    if (amount is None) == (not lines):
        raise InvalidInput(
            "Give an amount or lines, not both.",
            details={"amount": ["Give an amount or lines, not both."]},
        )
    reason = (reason or "").strip()
    with transaction.atomic():
        order = lifecycle.lock(order_id)
        plan = []
        if lines:
            wanted = [
                (parse_uuid(line["variant_id"], "lines"), int(line["quantity"])) for line in lines
            ]
            plan = lines_refund_plan(order, wanted)
            amount = sum((part["amount"] for part in plan), Decimal(0))
            if amount <= 0:
                raise InvalidInput(details={"lines": ["These lines have nothing to refund."]})
        refund = refund_request(order_id=order.id, amount=amount, lines=plan, reason=reason)
        order.refund_due += refund.amount
        order.save(update_fields=["refund_due", "updated_at"])
        note = f"refund of {_money(refund.amount, refund.currency)} requested"
        lifecycle.note_add(order, actor=actor, note=f"{note}: {reason}" if reason else note)
    try:
        refund = refund_execute(refund_id=refund.id)
    except PaymentUnavailable:
        return refund_get(refund_id=refund.id)  # pending: retried until the provider answers
    if refund.status == "failed":
        raise PaymentConflict(
            "The payment provider refused the refund; nothing was refunded.",
            details={"refund_id": str(refund.id), "reason": refund.last_error},
        )
    return refund


# --- what payments reports -----------------------------------------------------------------


def order_refund_recorded(
    *, order_id: UUID | str, amount: str, amount_refunded: str, origin: str, reason: str = ""
) -> None:
    """`payment.refunded`: the refund is no longer due; noted in the history; a paid order
    whose payment is refunded in full becomes `refunded`. Once per refund (the outbox)."""
    amount_value = Decimal(amount)
    with transaction.atomic():
        order = (
            Order.objects.select_for_update().filter(id=parse_uuid(order_id, "order_id")).first()
        )
        if order is None:
            return
        if origin == "shop":
            order.refund_due = max(Decimal(0), order.refund_due - amount_value)
        where = " at the provider" if origin == "provider" else ""
        note = f"refunded {_money(amount_value, order.currency)}{where}"
        if reason and origin == "shop":
            note += f" ({reason})"
        if order.status == Status.PAID and Decimal(amount_refunded) >= order.total:
            lifecycle.transition_apply(
                order, to=Status.REFUNDED, actor=SYSTEM, note=note, fields=["refund_due"]
            )
        else:
            order.save(update_fields=["refund_due", "updated_at"])
            lifecycle.note_add(order, actor=SYSTEM, note=note)


def order_refund_failed(*, order_id: UUID | str, amount: str, reason: str) -> None:
    """`payment.refund_failed`: the provider refused; no longer due; noted for staff."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update().filter(id=parse_uuid(order_id, "order_id")).first()
        )
        if order is None:
            return
        order.refund_due = max(Decimal(0), order.refund_due - Decimal(amount))
        order.save(update_fields=["refund_due", "updated_at"])
        lifecycle.note_add(
            order,
            actor=SYSTEM,
            note=f"refund of {_money(Decimal(amount), order.currency)} refused by the provider: "
            f"{reason}",
        )
