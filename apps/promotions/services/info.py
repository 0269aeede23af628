"""The plain data promotions hands to other apps, its API and its admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from apps.promotions.models import Promotion, PromotionUsage


@dataclass(frozen=True)
class PromotionConditions:
    min_amount: Decimal | None = None  # against the cart subtotal
    categories: tuple[UUID, ...] = ()  # with their descendants
    products: tuple[UUID, ...] = ()
    first_time_only: bool = False
    buy_quantity: int = 1  # bogo
    get_quantity: int = 1  # bogo


@dataclass(frozen=True)
class PromotionInfo:
    id: UUID
    code: str | None
    name: str
    type: str
    value: Decimal
    conditions: PromotionConditions
    max_uses: int | None
    max_uses_per_user: int | None
    current_uses: int
    start_date: datetime
    end_date: datetime | None
    active: bool
    stackable: bool
    priority: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CouponInfo:
    """A coupon that can be used now (by this customer), as `coupon_validate` answers."""

    promotion_id: UUID
    code: str
    name: str
    type: str
    value: Decimal


@dataclass(frozen=True)
class PromotionUsageInfo:
    id: UUID
    promotion_id: UUID
    user_id: UUID
    order_id: UUID
    amount: Decimal
    state: str  # held | used | void


def promotion_info(promotion: Promotion) -> PromotionInfo:
    return PromotionInfo(
        id=promotion.id,
        code=promotion.code,
        name=promotion.name,
        type=promotion.type,
        value=promotion.value,
        conditions=PromotionConditions(
            min_amount=promotion.min_amount,
            categories=tuple(promotion.category_ids),
            products=tuple(promotion.product_ids),
            first_time_only=promotion.first_time_only,
            buy_quantity=promotion.buy_quantity,
            get_quantity=promotion.get_quantity,
        ),
        max_uses=promotion.max_uses,
        max_uses_per_user=promotion.max_uses_per_user,
        current_uses=promotion.current_uses,
        start_date=promotion.start_date,
        end_date=promotion.end_date,
        active=promotion.active,
        stackable=promotion.stackable,
        priority=promotion.priority,
        created_at=promotion.created_at,
        updated_at=promotion.updated_at,
    )


def usage_info(usage: PromotionUsage) -> PromotionUsageInfo:
    return PromotionUsageInfo(
        id=usage.id,
        promotion_id=usage.promotion_id,
        user_id=usage.user_id,
        order_id=usage.order_id,
        amount=usage.amount,
        state=usage.state,
    )
