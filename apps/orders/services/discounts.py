"""The one place orders talks to promotions: pricing a checkout, and a placed order's coupon
use (held in the placing transaction, given back when an unpaid order is cancelled, made
final when it is paid). The rest of orders sees `Discounts`, plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from apps.cart.services import CartView
from apps.promotions.services import (
    AppliedPromotion,
    PromotionExplanation,
    cart_price,
    promotion_usage_confirm,
    promotion_usage_hold,
    promotion_usage_void,
)


@dataclass(frozen=True)
class Discounts:
    discount: Decimal  # never above the subtotal
    # variant_id → that line's share of `discount` (the shares sum to it exactly)
    line_discounts: dict[UUID, Decimal]
    free_shipping: bool
    applied: tuple[AppliedPromotion, ...]  # what the usage hold records
    explanations: tuple[PromotionExplanation, ...]  # every candidate: applied, or why not
    # Why the coupon (when one was given) cannot be used; None when it applies (or merely
    # lost the stacking contest to a better promotion), or when there is none.
    coupon_rejection: str | None

    @property
    def promotion_ids(self) -> tuple[str, ...]:
        return tuple(str(applied.promotion_id) for applied in self.applied)


def checkout_discounts(
    *,
    cart: CartView,
    coupon_code: str | None,
    user_id: UUID,
    is_first_order: bool,
    now: datetime | None = None,
) -> Discounts:
    """Promotions' price of the cart's purchasable lines with this coupon (or none), for a
    customer whose order history says `is_first_order`. Reads only."""
    priced = cart_price(
        lines=[line.for_promotions() for line in cart.priced_lines],
        coupon_code=coupon_code,
        user_id=user_id,
        is_first_order=is_first_order,
        now=now,
    )
    by_item = {line.item_id: line.variant_id for line in cart.priced_lines}
    return Discounts(
        discount=priced.discount,
        line_discounts={by_item[item]: share for item, share in priced.allocation.items()},
        free_shipping=priced.free_shipping,
        applied=tuple(priced.applied),
        explanations=tuple(priced.explanations),
        coupon_rejection=priced.coupon_rejection,
    )


def usage_hold(*, order_id: UUID, user_id: UUID, discounts: Discounts) -> None:
    """Hold the applied promotions' uses for a placed order (in its transaction, after the
    stock locks). Raises InvalidCoupon (`exhausted`, `already_used`, …) when the last use
    went to someone else meanwhile: the placement rolls back."""
    if discounts.applied:
        promotion_usage_hold(order_id=order_id, user_id=user_id, applied=discounts.applied)


def usage_void(*, order_id: UUID) -> None:
    """Give the uses of an unpaid order back (idempotent)."""
    promotion_usage_void(order_id=order_id)


def usage_confirm(*, order_id: UUID) -> None:
    """The order was paid: its uses count for good (idempotent). A use given back when the
    order was cancelled for expiry is taken again; InvalidCoupon when none is left."""
    promotion_usage_confirm(order_id=order_id)
