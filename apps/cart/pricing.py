"""Cart pricing: money rounding and the promotions hook.

The promotions app does not exist yet. `cart_discounts` and `coupon_rejection` are the only
two places that will call `apps.promotions.services`; their inputs (`PricedLine`, subtotal,
coupon code, user id) and outputs (`Discounts`, a reason string) are the interface the
promotions engine needs, so wiring it in changes the bodies of these two functions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
UNKNOWN_COUPON = "unknown coupon"


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


@dataclass(frozen=True)
class PromotionOutcome:
    """One candidate promotion: applied, or why not (`reason` is None when applied)."""

    id: UUID | None
    name: str
    applied: bool
    reason: str | None
    amount: Decimal


@dataclass(frozen=True)
class Discounts:
    discount: Decimal  # never above the subtotal
    free_shipping: bool  # does not change `discount`
    promotions: tuple[PromotionOutcome, ...]


def cart_discounts(
    *,
    lines: Sequence[PricedLine],
    subtotal: Decimal,
    coupon_code: str | None,
    user_id: UUID | None,
) -> Discounts:
    """The discount, free shipping and the explained candidates for a priced cart.

    Until the promotions app exists there are no automatic promotions and no coupon is known:
    the coupon on the cart (if any) is listed as a candidate that does not apply.
    """
    promotions: tuple[PromotionOutcome, ...] = ()
    if coupon_code:
        promotions = (
            PromotionOutcome(
                id=None, name=coupon_code, applied=False, reason=UNKNOWN_COUPON, amount=ZERO
            ),
        )
    return Discounts(discount=ZERO, free_shipping=False, promotions=promotions)


def coupon_rejection(
    *,
    code: str,
    lines: Sequence[PricedLine],
    subtotal: Decimal,
    user_id: UUID | None,
) -> str | None:
    """Why `code` cannot be put on this cart (→ 400 `invalid_coupon`), or None to accept it.

    Accepts every well-formed code until promotions exist (it then shows as "unknown coupon"
    in `cart_discounts`); promotions will answer "unknown coupon", "expired", "minimum amount
    not reached", … here.
    """
    return None
