"""Orders' domain errors, each with a stable `code` and `http_status` (API.md).

Checkout also raises other apps' errors unchanged: `InsufficientStock` (409, inventory),
`InvalidCoupon` (400, promotions), `PaymentUnavailable` (502, payments).
"""

from __future__ import annotations

from apps.inventory.exceptions import InsufficientStock
from apps.payments.exceptions import PaymentUnavailable
from shop.errors import Conflict, DomainError, InvalidInput, NotFound, ServiceUnavailable

__all__ = [
    "CheckoutFailed",
    "EmptyCart",
    "IllegalTransition",
    "InsufficientStock",
    "InvalidInput",
    "OrderNotFound",
    "PaymentUnavailable",
    "ReturnConflict",
    "ReturnNotFound",
]


class EmptyCart(DomainError):
    code = "empty_cart"
    http_status = 400
    default_message = "The cart is empty: there is nothing to check out."


class IllegalTransition(Conflict):
    """details: {"from": status, "to": status, "allowed": [statuses reachable by this actor]}"""

    code = "illegal_transition"
    default_message = "The order cannot move to that status from its current one."


class OrderNotFound(NotFound):
    default_message = "Order not found."


class CheckoutFailed(ServiceUnavailable):
    """Something other than the provider failed after the order was placed; it was undone."""

    default_message = "The order could not be completed and nothing was placed; try again."


class ReturnNotFound(NotFound):
    default_message = "Return not found."


class ReturnConflict(Conflict):
    """The order or the return is not in a state that allows it (not delivered, received)."""

    default_message = "The return cannot change this way in its current state."
