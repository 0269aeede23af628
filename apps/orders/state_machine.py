"""The order lifecycle (DESIGN.md, Checkout): every status change of an order is checked here.

    pending → confirmed → paid → processing → shipped → delivered → returned
    pending | confirmed | paid | processing → cancelled
    paid → refunded    (the system, when the provider has refunded the whole payment)
    cancelled → paid   (only: a payment that arrived after the reservation expired, and the
                        stock could be reserved again)

Each transition names who may make it: the customer (the order's owner), staff, or the
system (checkout, payments, expiry). `apps.orders.services.lifecycle.order_transition` is the
one function that changes a status; it calls `transition_check` first, then writes the
history row and publishes `order.<status>` — services, admin actions and the staff API all
go through it. Pure: no database, so it can be tested exhaustively.
"""

from __future__ import annotations

from django.db import models

from apps.orders.exceptions import IllegalTransition


class Status(models.TextChoices):
    PENDING = "pending", "pending"
    CONFIRMED = "confirmed", "confirmed"
    PAID = "paid", "paid"
    PROCESSING = "processing", "processing"
    SHIPPED = "shipped", "shipped"
    DELIVERED = "delivered", "delivered"
    CANCELLED = "cancelled", "cancelled"
    REFUNDED = "refunded", "refunded"
    RETURNED = "returned", "returned"


CUSTOMER, STAFF, SYSTEM = "customer", "staff", "system"
ACTORS = (CUSTOMER, STAFF, SYSTEM)

S = Status
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.PENDING, S.CONFIRMED): frozenset({SYSTEM}),
    (S.PENDING, S.CANCELLED): frozenset({CUSTOMER, STAFF, SYSTEM}),
    (S.CONFIRMED, S.PAID): frozenset({SYSTEM}),
    (S.CONFIRMED, S.CANCELLED): frozenset({CUSTOMER, STAFF, SYSTEM}),
    # Cancelling after payment restocks and refunds in full (API.md: the owner before
    # processing).
    (S.PAID, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.PAID, S.PROCESSING): frozenset({STAFF}),
    (S.PAID, S.REFUNDED): frozenset({SYSTEM}),
    (S.PROCESSING, S.SHIPPED): frozenset({STAFF}),
    (S.PROCESSING, S.CANCELLED): frozenset({STAFF}),
    (S.SHIPPED, S.DELIVERED): frozenset({STAFF, SYSTEM}),
    (S.DELIVERED, S.RETURNED): frozenset({STAFF, SYSTEM}),
    (S.CANCELLED, S.PAID): frozenset({SYSTEM}),
}

# Cancelling these releases their reservation (nothing was sold yet) and gives the coupon
# use back; cancelling the others puts sold units back into stock and owes a refund.
UNPAID = frozenset({S.PENDING, S.CONFIRMED})
CANCELLABLE = frozenset(source for source, target in TRANSITIONS if target == S.CANCELLED)


def event_name(status: str) -> str:
    """The outbox event published when an order enters `status`: `order.paid`, …"""
    return f"order.{status}"


def allowed_targets(from_status: str, actor: str) -> list[str]:
    return sorted(
        target
        for (source, target), actors in TRANSITIONS.items()
        if source == from_status and actor in actors
    )


def transition_check(from_status: str, to_status: str, actor: str) -> None:
    """Raise IllegalTransition (409) unless `actor` may move an order from `from_status` to
    `to_status`. details: from, to and the statuses this actor may move it to."""
    if actor not in ACTORS:
        raise ValueError(f"unknown actor {actor!r}")
    if actor in TRANSITIONS.get((from_status, to_status), frozenset()):
        return
    raise IllegalTransition(
        f"An order that is {from_status} cannot become {to_status}"
        + ("." if (from_status, to_status) not in TRANSITIONS else f" by the {actor}."),
        details={
            "from": from_status,
            "to": to_status,
            "allowed": allowed_targets(from_status, actor),
        },
    )
