"""Promotions made the way staff make them: through the services (every check applies)."""

from __future__ import annotations

from decimal import Decimal

from apps.promotions import services


def make_promotion(**fields) -> services.PromotionInfo:
    """A promotion: 10% off everything, automatic, unless `fields` say otherwise."""
    fields.setdefault("type", "percentage")
    fields.setdefault("value", Decimal("10"))
    fields.setdefault("name", f"{fields.get('code') or 'Auto'} {fields['type']}")
    return services.promotion_create(**fields)


def make_coupon(code: str = "SPRING", **fields) -> services.PromotionInfo:
    return make_promotion(code=code, **fields)
