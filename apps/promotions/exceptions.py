"""Promotions' domain errors: stable codes, rendered by shop.api.exceptions."""

from __future__ import annotations

from uuid import UUID

from apps.promotions import rules
from shop.errors import Conflict, DomainError, InvalidInput, NotFound

__all__ = ["InvalidCoupon", "InvalidInput", "PromotionInUse", "PromotionNotFound"]

_MESSAGES = {
    rules.UNKNOWN: "There is no such coupon.",
    rules.INACTIVE: "This coupon is not active.",
    rules.NOT_STARTED: "This coupon is not valid yet.",
    rules.EXPIRED: "This coupon has expired.",
    rules.EXHAUSTED: "This coupon has been used up.",
    rules.ALREADY_USED: "You have already used this coupon.",
    rules.FIRST_TIME_ONLY: "This coupon is for a first order only.",
    rules.NOT_ELIGIBLE_ITEMS: "No item in the cart qualifies for this coupon.",
    rules.MIN_AMOUNT: "The cart does not reach this coupon's minimum amount.",
}


class InvalidCoupon(DomainError):
    """A coupon (or, at checkout, a promotion) that cannot be used.

    details: {"reason": one of `rules.INELIGIBLE` (unknown, inactive, not_started, expired,
    exhausted, already_used, first_time_only, not_eligible_items, min_amount), and "code" /
    "promotion_id" when known}.
    """

    code = "invalid_coupon"
    http_status = 400
    default_message = "This coupon cannot be used."

    def __init__(
        self,
        message: str | None = None,
        *,
        reason: str,
        coupon_code: str | None = None,
        promotion_id: UUID | None = None,
    ):
        details: dict[str, str] = {"reason": reason}
        if coupon_code:
            details["code"] = coupon_code
        if promotion_id is not None:
            details["promotion_id"] = str(promotion_id)
        super().__init__(message or _MESSAGES.get(reason), details=details)
        self.reason = reason
        self.promotion_id = promotion_id


class PromotionNotFound(NotFound):
    default_message = "No such promotion."


class PromotionInUse(Conflict):
    default_message = "The promotion has been used by orders; deactivate it instead."
