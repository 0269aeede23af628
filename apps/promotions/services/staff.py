"""Staff management of promotions: create, change, delete, list (the API and the admin).

Every rule about a promotion's fields is checked here, on the promotion as it will be saved,
and reported all at once as InvalidInput {field: [messages]}; the database constraints
(models.py) stay the last line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Upper
from django.utils import timezone

from apps.catalog.services import category_paths_get, product_ids_existing
from apps.promotions import rules
from apps.promotions.exceptions import InvalidInput, PromotionInUse, PromotionNotFound
from apps.promotions.models import Promotion
from apps.promotions.services.info import PromotionInfo, promotion_info
from apps.promotions.services.pricing import coupon_code_normalize

UNSET: Any = object()
CONDITION_KEYS = (
    "min_amount",
    "categories",
    "products",
    "first_time_only",
    "buy_quantity",
    "get_quantity",
)
_PERCENT_TYPES = (rules.PERCENTAGE, rules.BOGO)
_MAX_AMOUNT = Decimal("9999999999.99")  # DecimalField(12, 2)
_INT32 = 2**31 - 1


def _decimal(errors: dict, field: str, value: Any, *, allow_none: bool = False) -> Any:
    if value is None and allow_none:
        return None
    try:
        if isinstance(value, (bool, float)):
            raise TypeError
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
        if not number.is_finite():
            raise InvalidOperation
    except (TypeError, ValueError, InvalidOperation):
        errors[field] = ["A decimal number is required."]
        return None
    if number < 0:
        errors[field] = ["Must not be negative."]
    elif number > _MAX_AMOUNT:
        errors[field] = ["Too large."]
    elif number != number.quantize(rules.CENT):
        errors[field] = ["At most two decimal places."]
    return number


def _positive_int(errors: dict, field: str, value: Any, *, allow_none: bool) -> Any:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _INT32:
        errors[field] = ["A positive integer is required" + (" (or null)." if allow_none else ".")]
        return None
    return value


def _uuid_list(errors: dict, field: str, value: Any) -> list[UUID]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        errors[field] = ["A list of ids is required."]
        return []
    ids: list[UUID] = []
    for item in value:
        try:
            ids.append(item if isinstance(item, UUID) else UUID(str(item)))
        except (TypeError, ValueError, AttributeError):
            errors[field] = [f"{item!r} is not a valid UUID."]
            return []
    return list(dict.fromkeys(ids))


def _conditions(errors: dict, conditions: Any) -> dict[str, Any]:
    """The conditions object as model fields (every key optional; unknown keys refused)."""
    if conditions is None:
        conditions = {}
    if not isinstance(conditions, Mapping):
        errors["conditions"] = ["An object is required."]
        return {}
    unknown = sorted(set(conditions) - set(CONDITION_KEYS))
    if unknown:
        errors["conditions"] = [f"Unknown condition(s): {', '.join(map(str, unknown))}."]
    found: dict[str, list[str]] = {}
    fields = {
        "min_amount": _decimal(found, "min_amount", conditions.get("min_amount"), allow_none=True),
        "category_ids": _uuid_list(found, "categories", conditions.get("categories")),
        "product_ids": _uuid_list(found, "products", conditions.get("products")),
        "first_time_only": conditions.get("first_time_only", False),
        "buy_quantity": _positive_int(
            found, "buy_quantity", conditions.get("buy_quantity", 1), allow_none=False
        ),
        "get_quantity": _positive_int(
            found, "get_quantity", conditions.get("get_quantity", 1), allow_none=False
        ),
    }
    if not isinstance(fields["first_time_only"], bool):
        found["first_time_only"] = ["A boolean is required."]
    if fields["category_ids"]:
        known = category_paths_get(fields["category_ids"])
        missing = [str(c) for c in fields["category_ids"] if c not in known]
        if missing:
            found["categories"] = [f"Unknown category {', '.join(missing)}."]
    if fields["product_ids"]:
        known = product_ids_existing(fields["product_ids"])
        missing = [str(p) for p in fields["product_ids"] if p not in known]
        if missing:
            found["products"] = [f"Unknown product {', '.join(missing)}."]
    if found:
        errors.setdefault("conditions", []).extend(
            f"{key}: {message}" for key, messages in found.items() for message in messages
        )
    return fields


def _aware(errors: dict, field: str, value: Any, *, allow_none: bool) -> Any:
    if value is None and allow_none:
        return None
    if not isinstance(value, datetime):
        errors[field] = ["A date and time is required."]
        return None
    if timezone.is_naive(value):
        errors[field] = ["A time zone is required (ISO 8601 with an offset, or Z)."]
        return None
    return value


def _checked(values: dict[str, Any], *, promotion: Promotion | None) -> dict[str, Any]:
    """Model field values for the promotion as it will be saved; InvalidInput listing every
    problem. `values` holds every API field (the current ones on update)."""
    errors: dict[str, list[str]] = {}
    name = values["name"]
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["This field may not be blank."]
    elif len(name.strip()) > 200:
        errors["name"] = ["At most 200 characters."]
    kind = values["type"]
    if kind not in rules.TYPES:
        errors["type"] = [f"Unknown type {kind!r}: one of {', '.join(rules.TYPES)}."]
    value = _decimal(errors, "value", values["value"])
    if value is not None and "value" not in errors and kind in _PERCENT_TYPES and value > 100:
        errors["value"] = ["A percentage is at most 100."]
    code = None
    try:
        code = coupon_code_normalize(values["code"])
    except InvalidInput as error:
        errors.update(error.details)
    fields = _conditions(errors, values["conditions"])
    max_uses = _positive_int(errors, "max_uses", values["max_uses"], allow_none=True)
    per_user = _positive_int(
        errors, "max_uses_per_user", values["max_uses_per_user"], allow_none=True
    )
    start = _aware(errors, "start_date", values["start_date"], allow_none=False)
    end = _aware(errors, "end_date", values["end_date"], allow_none=True)
    if start and end and end <= start:
        errors["end_date"] = ["Must be after start_date."]
    for flag in ("active", "stackable"):
        if not isinstance(values[flag], bool):
            errors[flag] = ["A boolean is required."]
    priority = values["priority"]
    if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > _INT32:
        errors["priority"] = ["An integer is required."]
    if promotion is not None and max_uses is not None and max_uses < promotion.current_uses:
        errors["max_uses"] = [f"Already used {promotion.current_uses} times."]
    if code and "code" not in errors:
        taken = Promotion.objects.alias(code_upper=Upper("code")).filter(code_upper=code)
        if promotion is not None:
            taken = taken.exclude(pk=promotion.pk)
        if taken.exists():
            errors["code"] = ["A promotion with this code already exists (codes ignore case)."]
    if errors:
        raise InvalidInput(details=errors)
    return {
        **fields,
        "name": name.strip(),
        "type": kind,
        "value": value,
        "code": code,
        "max_uses": max_uses,
        "max_uses_per_user": per_user,
        "start_date": start,
        "end_date": end,
        "active": values["active"],
        "stackable": values["stackable"],
        "priority": priority,
    }


def _save(promotion: Promotion) -> None:
    try:
        with transaction.atomic():
            promotion.save()
    except IntegrityError as exc:
        # Two staff members saving the same code at once: the unique index decides.
        if "promotion_code_ci_unique" in str(exc):
            raise InvalidInput(
                details={"code": ["A promotion with this code already exists (codes ignore case)."]}
            ) from exc
        raise


def promotion_create(
    *,
    name: str,
    type: str,
    value: Decimal | str = rules.ZERO,
    code: str | None = None,
    conditions: Mapping[str, Any] | None = None,
    max_uses: int | None = None,
    max_uses_per_user: int | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    active: bool = True,
    stackable: bool = False,
    priority: int = 100,
) -> PromotionInfo:
    """Create a promotion (automatic without `code`, a coupon with one; codes are stored
    upper-cased and unique whatever the case). `start_date` defaults to now.

    `conditions`: {min_amount, categories (ids; with their descendants), products (ids),
    first_time_only, buy_quantity, get_quantity}, each optional. Raises InvalidInput with
    every problem: unknown type, negative value, percentage above 100, end not after start,
    a code taken (in any case), unknown categories or products, limits below 1.
    """
    fields = _checked(
        {
            "name": name,
            "type": type,
            "value": value,
            "code": code,
            "conditions": conditions,
            "max_uses": max_uses,
            "max_uses_per_user": max_uses_per_user,
            "start_date": start_date or timezone.now(),
            "end_date": end_date,
            "active": active,
            "stackable": stackable,
            "priority": priority,
        },
        promotion=None,
    )
    promotion = Promotion(**fields)
    _save(promotion)
    return promotion_info(promotion)


def _api_values(promotion: Promotion) -> dict[str, Any]:
    return {
        "name": promotion.name,
        "type": promotion.type,
        "value": promotion.value,
        "code": promotion.code,
        "conditions": {
            "min_amount": promotion.min_amount,
            "categories": list(promotion.category_ids),
            "products": list(promotion.product_ids),
            "first_time_only": promotion.first_time_only,
            "buy_quantity": promotion.buy_quantity,
            "get_quantity": promotion.get_quantity,
        },
        "max_uses": promotion.max_uses,
        "max_uses_per_user": promotion.max_uses_per_user,
        "start_date": promotion.start_date,
        "end_date": promotion.end_date,
        "active": promotion.active,
        "stackable": promotion.stackable,
        "priority": promotion.priority,
    }


def promotion_update(
    *,
    promotion_id: UUID,
    name: str = UNSET,
    type: str = UNSET,
    value: Decimal | str = UNSET,
    code: str | None = UNSET,
    conditions: Mapping[str, Any] | None = UNSET,
    max_uses: int | None = UNSET,
    max_uses_per_user: int | None = UNSET,
    start_date: datetime = UNSET,
    end_date: datetime | None = UNSET,
    active: bool = UNSET,
    stackable: bool = UNSET,
    priority: int = UNSET,
) -> PromotionInfo:
    """Change the given fields (the others stay); `conditions` is replaced as a whole.

    The row is locked while checking, so `max_uses` cannot drop below uses a concurrent
    checkout is counting. Raises PromotionNotFound, or InvalidInput as `promotion_create`
    (and `max_uses` below `current_uses`).
    """
    changes = {
        key: item
        for key, item in {
            "name": name,
            "type": type,
            "value": value,
            "code": code,
            "conditions": conditions,
            "max_uses": max_uses,
            "max_uses_per_user": max_uses_per_user,
            "start_date": start_date,
            "end_date": end_date,
            "active": active,
            "stackable": stackable,
            "priority": priority,
        }.items()
        if item is not UNSET
    }
    with transaction.atomic():
        promotion = _locked(promotion_id)
        fields = _checked({**_api_values(promotion), **changes}, promotion=promotion)
        for field, item in fields.items():
            setattr(promotion, field, item)
        _save(promotion)
    return promotion_info(promotion)


def _locked(promotion_id: UUID) -> Promotion:
    promotion = None
    if _is_uuid(promotion_id):
        promotion = Promotion.objects.select_for_update(no_key=True).filter(pk=promotion_id).first()
    if promotion is None:
        raise PromotionNotFound()
    return promotion


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def promotion_get(*, promotion_id: UUID) -> PromotionInfo:
    """Raises PromotionNotFound."""
    promotion = (
        Promotion.objects.filter(pk=promotion_id).first() if _is_uuid(promotion_id) else None
    )
    if promotion is None:
        raise PromotionNotFound()
    return promotion_info(promotion)


def promotion_delete(*, promotion_id: UUID) -> None:
    """Delete a promotion no order has used. Raises PromotionNotFound, or PromotionInUse
    (409) when it has usage records (deactivate it instead: the orders keep their history)."""
    with transaction.atomic():
        promotion = _locked(promotion_id)
        if promotion.usages.exists():
            raise PromotionInUse()
        promotion.delete()


def promotions_filter(*, code: str | None = None, active: bool | None = None) -> QuerySet:
    """Promotions, newest first, lazily (for promotions' own API and admin); `code` matches
    whatever its case."""
    promotions = Promotion.objects.all()
    if code is not None:
        promotions = promotions.alias(code_upper=Upper("code")).filter(
            code_upper=code.strip().upper()
        )
    if active is not None:
        promotions = promotions.filter(active=active)
    return promotions.order_by("-created_at", "id")


def promotion_check(
    *, values: Mapping[str, Any], promotion_id: UUID | None = None
) -> dict[str, list[str]]:
    """The problems `promotion_create` / `promotion_update` would raise for `values` (every
    API field), as {field: [messages]}; empty when they are fine. For forms (the admin)."""
    promotion = Promotion.objects.filter(pk=promotion_id).first() if promotion_id else None
    try:
        _checked(dict(values), promotion=promotion)
    except InvalidInput as error:
        return error.details
    return {}
