"""The cart's domain errors: stable codes, rendered by shop.api.exceptions.

`InsufficientStock` is inventory's own error and `InvalidCoupon` promotions', re-exported so
that the cart and checkout report a short variant or a refused coupon the same way.
"""

from __future__ import annotations

from apps.inventory.exceptions import InsufficientStock
from apps.promotions.exceptions import InvalidCoupon
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


class CartUnavailable(ServiceUnavailable):
    """Redis (where carts live) cannot be reached; nothing else in the shop is affected."""

    default_message = "The cart is temporarily unavailable; try again shortly."
