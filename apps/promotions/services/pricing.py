"""Pricing with promotions: the database side of the rules engine (`apps.promotions.rules`).

One SQL query loads every candidate (the running automatic promotions and the coupon's) with
this customer's use count per promotion; one more (catalog) resolves category conditions to
paths, only when a candidate has them. The count does not depend on the number of lines.

An anonymous cart without a coupon (the storefront's hottest read) is priced with no query:
the active automatic promotions are a cached snapshot (shop.read_cache, dropped on commit of
every promotion save or delete: apps/promotions/receivers.py), their dates checked at each
use, and category paths come from the catalog's cached tree. Only while no automatic
promotion has a `max_uses` (its use count changes with every order): then the query runs.
"""

from __future__ import annotations

import pickle  # our own rows in our own cache (as django-redis stores values)
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone

from apps.catalog.services import category_paths_get, category_paths_get_cached
from apps.promotions import rules
from apps.promotions.exceptions import InvalidCoupon, InvalidInput
from apps.promotions.models import Promotion, PromotionUsage
from apps.promotions.rules import CartPrice, PricingLine
from apps.promotions.services.info import CouponInfo
from shop.errors import parse_uuid
from shop.read_cache import cache_fill, cache_get, guard_read, guards_bump

_AUTOMATIC = "promotions:automatic:v1"
_AUTOMATIC_GUARD = "promotions:automatic-guard"
_AUTOMATIC_SECONDS = 300
_automatic_parsed: tuple[bytes, list[Promotion]] = (b"", [])

COUPON_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,49}$")
# Uses that count against the limits: held by an unpaid order, or used by a paid one.
TAKEN = (PromotionUsage.State.HELD, PromotionUsage.State.USED)


def coupon_code_normalize(code: str | None) -> str | None:
    """The stored form of a code: stripped, upper-cased; None for None or blank.

    Raises InvalidInput naming `code` when it is not letters, digits, '-' and '_' (at most 50).
    """
    if code is None:
        return None
    normalized = code.strip().upper() if isinstance(code, str) else ""
    if normalized == "" and isinstance(code, str):
        return None
    if not COUPON_CODE_PATTERN.match(normalized):
        raise InvalidInput(
            details={"code": ["Letters, digits, '-' and '_', at most 50 characters."]}
        )
    return normalized


def per_user_limit(promotion: Promotion) -> int | None:
    """How many orders of one customer may use the promotion: `max_uses_per_user`, and once
    for a first-order offer (so two racing first orders cannot both take it)."""
    limits = [promotion.max_uses_per_user] if promotion.max_uses_per_user else []
    if promotion.first_time_only:
        limits.append(1)
    return min(limits) if limits else None


def _user_uses(user_id: UUID):
    uses = (
        PromotionUsage.objects.filter(promotion=OuterRef("pk"), user_id=user_id, state__in=TAKEN)
        .order_by()
        .values("promotion")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(uses, output_field=IntegerField()), Value(0))


def _with_customer(promotions, user_id: UUID | None, *, infer_first_order: bool):
    if user_id is None:
        return promotions
    promotions = promotions.annotate(user_uses=_user_uses(user_id))
    if infer_first_order:
        # The same for every row (PostgreSQL runs it once): has this customer placed an order
        # that took a promotion? Then this is not their first order.
        ordered = PromotionUsage.objects.filter(user_id=user_id, state__in=TAKEN)
        promotions = promotions.annotate(has_ordered=Exists(ordered))
    return promotions


_PROMOTION = Promotion._meta.db_table
_USAGE = PromotionUsage._meta.db_table
_COLUMNS = ", ".join(f"p.{field.column}" for field in Promotion._meta.concrete_fields)
_CANDIDATES_SQL = f"""
    SELECT {_COLUMNS}{{customer}}
      FROM {_PROMOTION} AS p
     WHERE (p.active AND p.code IS NULL AND p.start_date <= %(now)s
            AND (p.end_date IS NULL OR p.end_date > %(now)s))
           {{coupon}}
     ORDER BY p.priority, p.name
"""  # noqa: S608 (table and column names only)
_USER_USES_SQL = f"""
    , coalesce((SELECT count(*) FROM {_USAGE} AS u
                 WHERE u.promotion_id = p.id AND u.user_id = %(user_id)s
                   AND u.state = ANY(%(taken)s)), 0) AS user_uses"""  # noqa: S608
_HAS_ORDERED_SQL = f"""
    , EXISTS (SELECT 1 FROM {_USAGE} AS u
               WHERE u.user_id = %(user_id)s AND u.state = ANY(%(taken)s)) AS has_ordered"""  # noqa: S608


def _candidates(
    *, now: datetime, code: str | None, user_id: UUID | None, infer_first_order: bool
) -> list[Promotion]:
    """The running automatic promotions and the coupon's (by upper(code): the
    case-insensitive unique index answers that half), by priority then name, annotated as
    `_with_customer` annotates: ONE query. Plain SQL (the rows are still Promotion objects):
    building it with the ORM (an alias, a Subquery, an Exists) cost more CPU than running it,
    on every cart read and checkout."""
    customer = ""
    if user_id is not None:
        customer = _USER_USES_SQL + (_HAS_ORDERED_SQL if infer_first_order else "")
    sql = _CANDIDATES_SQL.format(
        customer=customer, coupon="OR upper(p.code) = %(code)s" if code else ""
    )
    params = {"now": now, "code": code, "user_id": user_id, "taken": [str(s) for s in TAKEN]}
    return list(Promotion.objects.raw(sql, params))


def _rule(promotion: Promotion, paths: dict[UUID, str], user_id: UUID | None) -> rules.Rule:
    limit = per_user_limit(promotion)
    categories = promotion.category_ids
    return rules.Rule(
        id=promotion.id,
        name=promotion.name,
        type=promotion.type,
        value=promotion.value,
        code=promotion.code,
        min_amount=promotion.min_amount,
        category_paths=(
            frozenset(paths[c] for c in categories if c in paths) if categories else None
        ),
        product_ids=frozenset(promotion.product_ids) if promotion.product_ids else None,
        first_time_only=promotion.first_time_only,
        buy_quantity=promotion.buy_quantity,
        get_quantity=promotion.get_quantity,
        starts_at=promotion.start_date,
        ends_at=promotion.end_date,
        active=promotion.active,
        stackable=promotion.stackable,
        priority=promotion.priority,
        exhausted=promotion.max_uses is not None and promotion.current_uses >= promotion.max_uses,
        user_limit_reached=(
            user_id is not None and limit is not None and promotion.user_uses >= limit
        ),
    )


def _checked_lines(lines: Sequence[PricingLine]) -> list[PricingLine]:
    checked, seen = [], set()
    for position, line in enumerate(lines):
        if not isinstance(line, PricingLine):
            raise InvalidInput(details={"lines": [f"Line {position}: not a PricingLine."]})
        quantity_ok = isinstance(line.quantity, int) and not isinstance(line.quantity, bool)
        if not quantity_ok or line.quantity < 1:
            raise InvalidInput(details={"lines": [f"Line {position}: quantity must be >= 1."]})
        if not isinstance(line.unit_price, Decimal) or line.unit_price < 0:
            raise InvalidInput(
                details={"lines": [f"Line {position}: unit_price must be a Decimal >= 0."]}
            )
        if line.id in seen:
            raise InvalidInput(details={"lines": [f"Line {position}: id {line.id} repeated."]})
        seen.add(line.id)
        checked.append(line)
    return checked


def _lookup_code(coupon_code: str | None) -> str | None:
    # A code that cannot exist (malformed) is simply unknown: the caller asked for a price.
    if not coupon_code or not isinstance(coupon_code, str):
        return None
    code = coupon_code.strip().upper()
    return code if COUPON_CODE_PATTERN.match(code) else None


def _automatic_active() -> list[Promotion]:
    """Every active automatic promotion (any dates), from the cached snapshot when it is
    there; unpickled once per version of it in each process. A snapshot that cannot be read
    (written by another version of the model) is replaced from the database."""
    global _automatic_parsed
    raw = cache_get(_AUTOMATIC, l1=True)
    if raw is not None:
        if _automatic_parsed[0] == raw:
            return _automatic_parsed[1]
        try:
            rows = pickle.loads(raw)  # noqa: S301 (written below, in our own cache)
        except Exception:
            rows = None
        if rows is not None:
            _automatic_parsed = (raw, rows)
            return rows
    seen = guard_read(_AUTOMATIC_GUARD)
    rows = list(Promotion.objects.filter(code__isnull=True, active=True))
    raw = pickle.dumps(rows)
    cache_fill(_AUTOMATIC, raw, guard=_AUTOMATIC_GUARD, seen=seen, timeout=_AUTOMATIC_SECONDS)
    _automatic_parsed = (raw, rows)
    return rows


def promotions_cache_invalidate() -> None:
    """Drop the snapshot of the automatic promotions now."""
    guards_bump([_AUTOMATIC_GUARD], drop=[_AUTOMATIC])


def promotions_cache_invalidate_on_commit() -> None:
    """Drop the snapshot once the current transaction commits (every Promotion save and
    delete, apps/promotions/receivers.py); best effort, it never fails the write."""
    transaction.on_commit(promotions_cache_invalidate, robust=True)


def _anonymous_candidates(now: datetime) -> tuple[list[Promotion], dict[UUID, str]] | None:
    """The running automatic promotions and their category paths with no query, or None when
    the snapshot cannot answer (an automatic promotion counts its uses)."""
    active = _automatic_active()
    if any(promotion.max_uses is not None for promotion in active):
        return None
    running = [
        p for p in active if p.start_date <= now and (p.end_date is None or p.end_date > now)
    ]
    category_ids = {category for p in running for category in p.category_ids}
    return running, category_paths_get_cached(category_ids) if category_ids else {}


def cart_price(
    *,
    lines: Sequence[PricingLine],
    coupon_code: str | None,
    user_id: UUID | None,
    is_first_order: bool | None,
    now: datetime | None = None,
) -> CartPrice:
    """Price `lines` (today's unit prices) with the running automatic promotions and the
    coupon's: subtotal, discount, free_shipping, the allocation of the discount to every line
    (sums exactly to the discount; no line above its total), the applied promotions with what
    each took (what `promotion_usage_hold` records), and an explanation per candidate.

    `is_first_order`: checkout passes the truth (order history lives above promotions).
    None means "not known here" (the cart): an anonymous customer counts as a first order; a
    signed-in one too unless they already placed an order that took a promotion — so a
    welcome offer shows in the cart of a new customer, and checkout has the last word.
    A coupon code no promotion has is explained as `unknown`. Reads only: two SQL queries
    at most, whatever the number of lines. Raises InvalidInput for malformed lines.
    """
    now = now or timezone.now()
    checked = _checked_lines(lines)
    if user_id is not None:
        user_id = parse_uuid(user_id, "user_id")
    code = _lookup_code(coupon_code)
    infer = is_first_order is None and user_id is not None
    cached = _anonymous_candidates(now) if user_id is None and code is None else None
    if cached is not None:
        promotions, paths = cached
    else:
        promotions = _candidates(now=now, code=code, user_id=user_id, infer_first_order=infer)
        category_ids = {category for p in promotions for category in p.category_ids}
        paths = category_paths_get(category_ids) if category_ids else {}
    if is_first_order is None:
        is_first_order = not (infer and promotions and promotions[0].has_ordered)
    return rules.evaluate(
        lines=checked,
        rules=[_rule(p, paths, user_id) for p in promotions],
        coupon_code=coupon_code.strip().upper() if coupon_code else None,
        is_first_order=is_first_order,
        now=now,
    )


def coupon_validate(
    *,
    code: str,
    user_id: UUID | None,
    is_first_order: bool | None = None,
    now: datetime | None = None,
) -> CouponInfo:
    """The coupon `code` (any letter case) if it can be used now by this customer, whatever
    the cart. Raises InvalidCoupon with reason `unknown`, `inactive`, `not_started`,
    `expired`, `exhausted`, `already_used` or `first_time_only` (`is_first_order` as in
    `cart_price`). The cart-dependent reasons (`min_amount`, `not_eligible_items`) come from
    `cart_price(...).coupon_rejection`. One SQL query.
    """
    now = now or timezone.now()
    if user_id is not None:
        user_id = parse_uuid(user_id, "user_id")
    lookup = _lookup_code(code)
    if lookup is None:
        raise InvalidCoupon(
            reason=rules.UNKNOWN, coupon_code=code if isinstance(code, str) else None
        )
    infer = is_first_order is None and user_id is not None
    promotion = _with_customer(
        Promotion.objects.alias(code_upper=Upper("code")).filter(code_upper=lookup),
        user_id,
        infer_first_order=infer,
    ).first()
    if promotion is None:
        raise InvalidCoupon(reason=rules.UNKNOWN, coupon_code=lookup)
    if is_first_order is None:
        is_first_order = not (infer and promotion.has_ordered)
    reason = rules.standing(_rule(promotion, {}, user_id), is_first_order=is_first_order, now=now)
    if reason is not None:
        raise InvalidCoupon(reason=reason, coupon_code=lookup, promotion_id=promotion.id)
    return CouponInfo(
        promotion_id=promotion.id,
        code=promotion.code,
        name=promotion.name,
        type=promotion.type,
        value=promotion.value,
    )
