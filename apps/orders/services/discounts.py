"""The one place orders talks to promotions: pricing a checkout, and a placed order's coupon
use (hold in the placing transaction, void when an unpaid order is cancelled, confirm when it
is paid). Everything else in orders sees `Discounts`, plain data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from apps.cart.services import CartView

ZERO = Decimal("0.00")
UNKNOWN_COUPON = "unknown coupon"


@dataclass(frozen=True)
class Explanation:
    id: UUID | None
    name: str
    applied: bool
    reason: str | None
    amount: Decimal


@dataclass(frozen=True)
class Discounts:
    discount: Decimal  # never above the subtotal
    # variant_id → that line's share of `discount` (sums to it exactly, to the cent)
    line_discounts: dict[UUID, Decimal]
    free_shipping: bool
    promotion_ids: tuple[str, ...]
    explanations: tuple[Explanation, ...]
    # Why the coupon (when one was given) does not apply; None when it applies or none given.
    coupon_rejection: str | None
    # What the promotions app needs back to hold the use (opaque to orders).
    applied: Any = field(default=None, repr=False)


def checkout_discounts(
    *,
    cart: CartView,
    coupon_code: str | None,
    user_id: UUID,
    is_first_order: bool,
    now: datetime | None = None,
) -> Discounts:
    """Promotions' price of the cart's purchasable lines with this coupon (or none)."""
    explanations: tuple[Explanation, ...] = ()
    rejection = None
    if coupon_code:
        rejection = UNKNOWN_COUPON
        explanations = (
            Explanation(id=None, name=coupon_code, applied=False, reason=rejection, amount=ZERO),
        )
    return Discounts(
        discount=ZERO,
        line_discounts={line.variant_id: ZERO for line in cart.priced_lines},
        free_shipping=False,
        promotion_ids=(),
        explanations=explanations,
        coupon_rejection=rejection,
    )


def usage_hold(*, order_id: UUID, user_id: UUID, discounts: Discounts) -> None:
    """Hold the applied promotions' uses for a placed order (in its transaction, after the
    stock locks). Raises InvalidCoupon (exhausted / already_used) when the last use went to
    someone else: the placement rolls back."""


def usage_void(*, order_id: UUID) -> None:
    """Give the uses of an unpaid order back (idempotent)."""


def usage_confirm(*, order_id: UUID) -> None:
    """The order was paid: its held uses count for good (idempotent)."""


def usage_rehold(*, order_id: UUID, user_id: UUID, promotion_ids: Sequence[str]) -> None:
    """Hold again the uses of an order cancelled by expiry that was paid after all."""
