"""Promotions' public interface: what the cart, checkout (orders), the API and the admin call.

Import from here only (`from apps.promotions.services import cart_price`). The rules engine
(`apps.promotions.rules`) is pure; these services feed it from the database and record usage.
"""

from apps.promotions.rules import (
    AppliedPromotion,
    CartPrice,
    PricingLine,
    PromotionExplanation,
)
from apps.promotions.services.info import (
    CouponInfo,
    PromotionConditions,
    PromotionInfo,
    PromotionUsageInfo,
    promotion_info,
)
from apps.promotions.services.pricing import (
    COUPON_CODE_PATTERN,
    cart_price,
    coupon_code_normalize,
    coupon_validate,
)
from apps.promotions.services.seeding import promotions_demo_seed
from apps.promotions.services.staff import (
    CONDITION_KEYS,
    UNSET,
    promotion_check,
    promotion_create,
    promotion_delete,
    promotion_get,
    promotion_update,
    promotions_filter,
)
from apps.promotions.services.usage import (
    promotion_usage_confirm,
    promotion_usage_hold,
    promotion_usage_list,
    promotion_usage_void,
)

__all__ = [
    "CONDITION_KEYS",
    "COUPON_CODE_PATTERN",
    "UNSET",
    "AppliedPromotion",
    "CartPrice",
    "CouponInfo",
    "PricingLine",
    "PromotionConditions",
    "PromotionExplanation",
    "PromotionInfo",
    "PromotionUsageInfo",
    "cart_price",
    "coupon_code_normalize",
    "coupon_validate",
    "promotion_check",
    "promotion_create",
    "promotion_delete",
    "promotion_get",
    "promotion_info",
    "promotion_update",
    "promotion_usage_confirm",
    "promotion_usage_hold",
    "promotion_usage_list",
    "promotion_usage_void",
    "promotions_demo_seed",
    "promotions_filter",
]
