"""Demo promotions for `seed_demo`: a few of each type, automatic ones and coupons."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.catalog.services import category_tree
from apps.promotions.models import Promotion
from apps.promotions.services.staff import promotion_create


def _demo_promotions(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    roots = categories
    first = roots[0] if roots else None
    second = roots[1] if len(roots) > 1 else first
    leaf = second
    while leaf and leaf["children"]:
        leaf = leaf["children"][0]

    def within(node):
        return [node["id"]] if node else []

    now = timezone.now()
    return [
        # percentage
        {
            "name": "Department sale: 10% off",
            "type": "percentage",
            "value": Decimal("10"),
            "conditions": {"categories": within(first)},
            "priority": 50,
        },
        {
            "code": "WELCOME10",
            "name": "Welcome: 10% off your first order",
            "type": "percentage",
            "value": Decimal("10"),
            "conditions": {"first_time_only": True},
            "max_uses_per_user": 1,
            "stackable": True,
        },
        {
            "code": "FLASH20",
            "name": "Flash sale: 20% off, first 100 orders",
            "type": "percentage",
            "value": Decimal("20"),
            "max_uses": 100,
            "end_date": now + timedelta(days=7),
        },
        # fixed
        {
            "code": "SAVE5",
            "name": "5.00 off orders over 40.00",
            "type": "fixed",
            "value": Decimal("5.00"),
            "conditions": {"min_amount": Decimal("40.00")},
            "stackable": True,
        },
        {
            "code": "TAKE15",
            "name": "15.00 off orders over 100.00, once per customer",
            "type": "fixed",
            "value": Decimal("15.00"),
            "conditions": {"min_amount": Decimal("100.00")},
            "max_uses_per_user": 1,
        },
        # bogo
        {
            "name": "Buy 2, get 1 free in one category",
            "type": "bogo",
            "value": Decimal("100"),
            "conditions": {"categories": within(leaf), "buy_quantity": 2, "get_quantity": 1},
            "stackable": True,
            "priority": 60,
        },
        {
            "code": "BOGO50",
            "name": "Buy one, get one half price",
            "type": "bogo",
            "value": Decimal("50"),
            "conditions": {"buy_quantity": 1, "get_quantity": 1},
        },
        # free shipping
        {
            "name": "Free shipping over 75.00",
            "type": "free_shipping",
            "conditions": {"min_amount": Decimal("75.00")},
        },
        {
            "code": "FREESHIP",
            "name": "Free shipping, first 500 orders",
            "type": "free_shipping",
            "max_uses": 500,
        },
    ]


def promotions_demo_seed() -> int:
    """Create the demo promotions that are missing (coupons by code, automatic ones by name;
    the category offers take the catalog's first categories, or all of it when it has none).
    Idempotent.
    Returns how many were created."""
    created = 0
    with transaction.atomic():
        codes = set(Promotion.objects.exclude(code=None).values_list("code", flat=True))
        names = set(Promotion.objects.filter(code=None).values_list("name", flat=True))
        for spec in _demo_promotions(category_tree()):
            code = spec.get("code")
            if (code in codes) if code else (spec["name"] in names):
                continue
            promotion_create(**spec)
            created += 1
    return created
