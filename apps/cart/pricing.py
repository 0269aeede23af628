"""Cart pricing: money rounding and the promotions hook.

`cart_discounts` and `coupon_rejection` are the only places that call
`apps.promotions.services`: the cart hands over its purchasable lines at today's prices and
gets back the discount, free shipping and every candidate promotion explained.

Order history lives above the cart (orders), so the cart prices with `is_first_order=None`:
promotions then counts an anonymous visitor as a first order, and a signed-in customer too
unless they already placed an order that took a promotion. A welcome offer therefore shows
in a new customer's cart; checkout passes the real value and has the last word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from apps.promotions.services import CartPrice, PricingLine, cart_price

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(amount: Decimal) -> Decimal:
    """Two places, ROUND_HALF_UP (DESIGN.md → Money)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PricedLine:
    """A purchasable cart line as promotions see it (unavailable lines are never priced)."""

    item_id: UUID
    variant_id: UUID
    product_id: UUID
    category_path: str  # the product's category path, for category conditions
    quantity: int
    unit_price: Decimal  # when added
    current_price: Decimal  # today's

    @property
    def line_total(self) -> Decimal:
        return money(self.current_price * self.quantity)

    def for_promotions(self) -> PricingLine:
        return PricingLine(
            id=self.item_id,
            variant_id=self.variant_id,
            product_id=self.product_id,
            category_path=self.category_path,
            unit_price=self.current_price,
            quantity=self.quantity,
        )


def cart_discounts(
    *, lines: Sequence[PricedLine], coupon_code: str | None, user_id: UUID | None
) -> CartPrice:
    """The cart priced by promotions at today's prices: discount (allocated to the lines),
    free shipping and the explained candidates (automatic promotions and the coupon's)."""
    return cart_price(
        lines=[line.for_promotions() for line in lines],
        coupon_code=coupon_code,
        user_id=user_id,
        is_first_order=None,
    )


def coupon_rejection(*, code: str, lines: Sequence[PricedLine], user_id: UUID | None) -> str | None:
    """Why `code` cannot be put on this cart (→ 400 `invalid_coupon` with this reason), or
    None to accept it: `unknown`, `inactive`, `not_started`, `expired`, `exhausted`,
    `already_used`, `first_time_only`, `not_eligible_items`, `min_amount`. A coupon that only
    loses the stacking contest is accepted (it shows `stacking_lost_to:<id>`)."""
    return cart_discounts(lines=lines, coupon_code=code, user_id=user_id).coupon_rejection
