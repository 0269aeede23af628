"""The cart's domain errors: stable codes, rendered by shop.api.exceptions.

`InsufficientStock` is inventory's own error, re-exported so that a cart add and a checkout
report a short variant with the same code and details shape.
"""

from __future__ import annotations

from apps.inventory.exceptions import InsufficientStock
from shop.errors import DomainError, InvalidInput, NotFound, ServiceUnavailable

__all__ = [
    "CartItemNotFound",
    "CartUnavailable",
    "InsufficientStock",
    "InvalidCoupon",
    "InvalidInput",
    "VersionMismatch",
]


class VersionMismatch(DomainError):
    """The client's `If-Match` (expected version) is not the cart's; nothing was changed.

    details: {"current_version": n}
    """

    code = "version_mismatch"
    http_status = 412
    default_message = "The cart has changed since you last read it."

    def __init__(self, current_version: int):
        super().__init__(details={"current_version": current_version})
        self.current_version = current_version


class CartItemNotFound(NotFound):
    default_message = "No such item in this cart."


class InvalidCoupon(DomainError):
    """details: {"reason": "..."}"""

    code = "invalid_coupon"
    http_status = 400
    default_message = "This coupon cannot be used."


class CartUnavailable(ServiceUnavailable):
    """Redis (where carts live) cannot be reached; nothing else in the shop is affected."""

    default_message = "The cart is temporarily unavailable; try again shortly."
