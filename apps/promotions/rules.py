"""The promotions rules engine: pure functions over plain frozen data, no database, no clock.

`evaluate` takes the lines (today's prices), the candidate rules (automatic promotions and the
coupon's, with their usage state already worked out by the caller), the coupon code, whether
this is the customer's first order and the time, and answers the discount, its allocation to
the lines, the applied promotions and an explanation for every candidate.

Semantics (API.md → Promotions):

- A line is eligible for a rule when the rule has no item conditions, or the line's product
  is in `product_ids`, or its category path starts with one of `category_paths` (a category
  with its descendants: paths are materialized, `/clothing/` is a prefix of
  `/clothing/shirts/`). Both lists given: either matches.
- percentage: `value` percent of the eligible lines' total, rounded once (ROUND_HALF_UP).
  fixed: `value` off the eligible lines' total, never below zero.
  bogo: for every `buy_quantity + get_quantity` eligible units, `get_quantity` units are
  discounted by `value` percent (100 = free); the discounted units are the cheapest eligible
  ones. free_shipping: a flag, no discount.
- Stacking: the best single non-stackable rule (its discount), or all eligible stackable
  rules together in `priority` order (lower first), whichever gives more; on a tie the single
  rule wins (it spends fewer uses). Stacked rules each take their discount from the eligible
  amount, but no line is discounted beyond its total, so the sum never exceeds the subtotal;
  a stacked rule left with nothing to take loses. Free shipping stays out of this contest
  (it is not a discount): one eligible free-shipping rule applies, an automatic one before a
  coupon (so the coupon's use is not spent), then by priority.
- The discount is allocated to lines in cents by largest remainder, in proportion to each
  rule's own base (eligible line totals; for bogo the discounted units), never above what is
  left of a line; ties go to the smaller line id, so results do not depend on line order.
- Every candidate is explained: applied (reason None, amount = what it took), or why not,
  with the amount it would have given on its own: `inactive`, `not_started`, `expired`,
  `exhausted`, `already_used`, `first_time_only`, `not_eligible_items`, `min_amount`,
  `stacking_lost_to:<id>`; a coupon code no rule has is `unknown`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property
from uuid import UUID

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

PERCENTAGE = "percentage"
FIXED = "fixed"
BOGO = "bogo"
FREE_SHIPPING = "free_shipping"
TYPES = (PERCENTAGE, FIXED, BOGO, FREE_SHIPPING)

# Why a candidate does not apply (the cart's `promotions[].reason`, InvalidCoupon's reason).
UNKNOWN = "unknown"
INACTIVE = "inactive"
NOT_STARTED = "not_started"
EXPIRED = "expired"
EXHAUSTED = "exhausted"
ALREADY_USED = "already_used"
FIRST_TIME_ONLY = "first_time_only"
NOT_ELIGIBLE_ITEMS = "not_eligible_items"
MIN_AMOUNT = "min_amount"
STACKING_LOST_TO = "stacking_lost_to:"
# The reasons that make a coupon ineligible (losing the stacking contest does not).
INELIGIBLE = frozenset(
    {
        UNKNOWN,
        INACTIVE,
        NOT_STARTED,
        EXPIRED,
        EXHAUSTED,
        ALREADY_USED,
        FIRST_TIME_ONLY,
        NOT_ELIGIBLE_ITEMS,
        MIN_AMOUNT,
    }
)


def money(amount: Decimal) -> Decimal:
    """Two places, ROUND_HALF_UP (DESIGN.md → Money)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _cents(amount: Decimal) -> int:
    return int(money(amount) * 100)


def _from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


@dataclass(frozen=True)
class PricingLine:
    """A line to price: `unit_price` is today's price of one unit."""

    id: UUID
    variant_id: UUID
    product_id: UUID
    category_path: str
    unit_price: Decimal
    quantity: int

    @cached_property  # read by every rule for every line (a frozen line: computed once)
    def total(self) -> Decimal:
        return money(self.unit_price * self.quantity)


@dataclass(frozen=True)
class Rule:
    """A promotion as the engine sees it.

    `category_paths` / `product_ids` are None when the rule has no such condition; an empty
    set is a condition nothing matches (e.g. its categories were deleted). `exhausted` (the
    shop-wide `max_uses` is reached) and `user_limit_reached` (this customer's) are worked out
    by the caller from the usage records.
    """

    id: UUID
    name: str
    type: str
    value: Decimal = ZERO
    code: str | None = None
    min_amount: Decimal | None = None
    category_paths: frozenset[str] | None = None
    product_ids: frozenset[UUID] | None = None
    first_time_only: bool = False
    buy_quantity: int = 1
    get_quantity: int = 1
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    active: bool = True
    stackable: bool = False
    priority: int = 100
    exhausted: bool = False
    user_limit_reached: bool = False

    @property
    def is_coupon(self) -> bool:
        return self.code is not None

    def matches(self, line: PricingLine) -> bool:
        if self.category_paths is None and self.product_ids is None:
            return True
        if self.product_ids is not None and line.product_id in self.product_ids:
            return True
        return self.category_paths is not None and any(
            line.category_path.startswith(path) for path in self.category_paths
        )

    def running_at(self, now: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (
            self.ends_at is None or now < self.ends_at
        )


@dataclass(frozen=True)
class PromotionExplanation:
    """One candidate: applied (reason None) or why not; `amount` is what it took when
    applied, else what it would have given on its own (0.00 for free shipping)."""

    id: UUID | None
    name: str
    code: str | None
    applied: bool
    reason: str | None
    amount: Decimal


@dataclass(frozen=True)
class AppliedPromotion:
    """An applied promotion and what it contributed (checkout records it as a use)."""

    promotion_id: UUID
    code: str | None
    amount: Decimal
    free_shipping: bool = False


@dataclass(frozen=True)
class CartPrice:
    subtotal: Decimal
    discount: Decimal  # the sum of `allocation`, never above the subtotal
    free_shipping: bool
    allocation: Mapping[UUID, Decimal]  # every line id → its share of the discount
    applied: tuple[AppliedPromotion, ...]  # in the order they were applied
    explanations: tuple[PromotionExplanation, ...]  # automatic candidates by priority, the coupon's
    coupon: PromotionExplanation | None = field(default=None)  # the coupon's own entry, if a code

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount

    @property
    def applied_ids(self) -> tuple[UUID, ...]:
        return tuple(applied.promotion_id for applied in self.applied)

    @property
    def coupon_rejection(self) -> str | None:
        """Why the coupon cannot go on this cart (an ineligibility reason), or None."""
        if self.coupon is None or self.coupon.reason not in INELIGIBLE:
            return None
        return self.coupon.reason


# --- allocation ---------------------------------------------------------------------------


def allocate(
    amount: int, weights: Mapping[UUID, Decimal | Fraction], caps: Mapping[UUID, int]
) -> dict[UUID, int]:
    """Split `amount` cents over the keys in proportion to their weights, no key above its
    cap, to the cent by largest remainder (ties: smaller key first).

    Keys with weight 0 or cap 0 get nothing. Requires 0 <= amount <= the caps of the keys
    with a positive weight; every share is then <= its cap and the shares sum to `amount`.
    """
    shares = dict.fromkeys(weights, 0)
    open_keys = {key for key, weight in weights.items() if weight > 0 and caps[key] > 0}
    if amount < 0 or amount > sum(caps[key] for key in open_keys):
        raise ValueError(f"cannot allocate {amount} cents within the caps")
    remaining = amount
    ideal: dict[UUID, Fraction] = {}
    while open_keys and remaining:
        total = sum(Fraction(weights[key]) for key in open_keys)
        ideal = {key: remaining * Fraction(weights[key]) / total for key in open_keys}
        full = {key for key in open_keys if ideal[key] >= caps[key]}
        if not full:
            break
        # Water filling: a key whose proportional share reaches its cap takes the cap, and the
        # rest is shared again among the others.
        for key in full:
            shares[key] = caps[key]
            remaining -= caps[key]
        open_keys -= full
        ideal = {}
    if remaining and ideal:
        floors = {key: math.floor(share) for key, share in ideal.items()}
        left = remaining - sum(floors.values())
        # Each ideal share is below its integer cap, so floor + 1 never passes the cap.
        by_remainder = sorted(ideal, key=lambda key: (-(ideal[key] - floors[key]), str(key)))
        for key in by_remainder[:left]:
            floors[key] += 1
        for key, cents in floors.items():
            shares[key] += cents
    return shares


# --- one rule on its own ------------------------------------------------------------------


@dataclass(frozen=True)
class _Offer:
    """What one rule would give on its own: amount (cents) and the weights to allocate by."""

    cents: int
    weights: dict[UUID, Fraction]


def _bogo_offer(rule: Rule, lines: Sequence[PricingLine]) -> _Offer:
    units = sum(line.quantity for line in lines)
    group = rule.buy_quantity + rule.get_quantity
    free_units = (units // group) * rule.get_quantity if group > 0 else 0
    percent = Fraction(min(max(rule.value, ZERO), HUNDRED)) / 100
    weights: dict[UUID, Fraction] = {}
    raw = Fraction(0)
    for line in sorted(lines, key=lambda line: (line.unit_price, str(line.id))):
        if free_units <= 0:
            break
        take = min(line.quantity, free_units)
        free_units -= take
        value = Fraction(line.unit_price) * take * percent
        if value > 0:
            weights[line.id] = value
            raw += value
    return _Offer(cents=_cents(Decimal(raw.numerator) / Decimal(raw.denominator)), weights=weights)


def _offer(rule: Rule, eligible: Sequence[PricingLine]) -> _Offer:
    totals = {line.id: Fraction(line.total) for line in eligible if line.total > 0}
    eligible_total = sum((line.total for line in eligible), ZERO)
    if rule.type == PERCENTAGE:
        percent = min(max(rule.value, ZERO), HUNDRED)
        return _Offer(cents=_cents(eligible_total * percent / HUNDRED), weights=totals)
    if rule.type == FIXED:
        return _Offer(cents=_cents(min(max(rule.value, ZERO), eligible_total)), weights=totals)
    if rule.type == BOGO:
        return _bogo_offer(rule, eligible)
    return _Offer(cents=0, weights={})


def standing(rule: Rule, *, is_first_order: bool, now: datetime) -> str | None:
    """Why the rule cannot be used now by this customer, whatever the cart, or None."""
    if not rule.active:
        return INACTIVE
    if rule.starts_at is not None and now < rule.starts_at:
        return NOT_STARTED
    if rule.ends_at is not None and now >= rule.ends_at:
        return EXPIRED
    if rule.exhausted:
        return EXHAUSTED
    if rule.user_limit_reached:
        return ALREADY_USED
    if rule.first_time_only and not is_first_order:
        return FIRST_TIME_ONLY
    return None


def _gate(
    rule: Rule,
    eligible: Sequence[PricingLine],
    *,
    subtotal: Decimal,
    is_first_order: bool,
    now: datetime,
) -> str | None:
    """The first condition the rule fails on this cart, or None when it is eligible."""
    reason = standing(rule, is_first_order=is_first_order, now=now)
    if reason is not None:
        return reason
    if not eligible:
        return NOT_ELIGIBLE_ITEMS
    if rule.type == BOGO and sum(line.quantity for line in eligible) < (
        rule.buy_quantity + rule.get_quantity
    ):
        return NOT_ELIGIBLE_ITEMS
    if rule.min_amount is not None and subtotal < rule.min_amount:
        return MIN_AMOUNT
    return None


# --- the whole cart -----------------------------------------------------------------------


def _order(rule: Rule) -> tuple[int, str]:
    return (rule.priority, str(rule.id))


def _candidates(rules: Iterable[Rule], coupon_code: str | None, now: datetime) -> list[Rule]:
    """Running active automatic rules, and every rule with the coupon's code (whatever its
    state, so the customer learns why it does not apply). Priority order, coupon last."""
    wanted = coupon_code.strip().upper() if coupon_code else None
    automatic = [r for r in rules if not r.is_coupon and r.active and r.running_at(now)]
    coupon = [r for r in rules if r.is_coupon and wanted and r.code.upper() == wanted]
    return sorted(automatic, key=_order) + sorted(coupon, key=_order)


def _check_lines(lines: Sequence[PricingLine]) -> None:
    seen = set()
    for line in lines:
        if line.id in seen:
            raise ValueError(f"line {line.id} is given twice")
        seen.add(line.id)
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int):
            raise ValueError(f"line {line.id}: quantity must be an integer")
        if line.quantity < 1 or line.unit_price < 0:
            raise ValueError(f"line {line.id}: quantity >= 1 and unit_price >= 0 required")


def _stack(
    rules: Sequence[Rule], offers: Mapping[UUID, _Offer], lines: Sequence[PricingLine]
) -> dict[UUID, dict[UUID, int]]:
    """Apply `rules` in order, each within what earlier ones left of each line: rule id →
    {line id: cents}."""
    left = {line.id: _cents(line.total) for line in lines}
    taken: dict[UUID, dict[UUID, int]] = {}
    for rule in rules:
        offer = offers[rule.id]
        room = sum(left[key] for key, weight in offer.weights.items() if weight > 0)
        shares = allocate(min(offer.cents, room), offer.weights, left)
        for key, cents in shares.items():
            left[key] -= cents
        taken[rule.id] = shares
    return taken


@dataclass(frozen=True)
class _Outcome:
    """The contest's result: per applied discount rule, its cents per line; the rule that
    beat the others (named by the losers); the free-shipping rule."""

    shares: dict[UUID, dict[UUID, int]]
    top: UUID | None
    shipping: UUID | None


def _contest(rules: Sequence[Rule], offers: Mapping[UUID, _Offer], lines) -> _Outcome:
    """Among eligible `rules`: the best single non-stackable rule against the stack, and
    the one free-shipping rule."""
    discounting = [rule for rule in rules if rule.type != FREE_SHIPPING]
    stackable = sorted((r for r in discounting if r.stackable), key=_order)
    singles = sorted(
        (r for r in discounting if not r.stackable),
        key=lambda r: (-offers[r.id].cents, *_order(r)),
    )
    stacked = _stack(stackable, offers, lines)
    stack_cents = sum(sum(shares.values()) for shares in stacked.values())
    if singles and (not stackable or offers[singles[0].id].cents >= stack_cents):
        winners = _stack(singles[:1], offers, lines)
    else:
        winners = stacked
    # A stacked rule that found nothing left to take (while it had something to give) loses.
    shares = {
        rule_id: by_line
        for rule_id, by_line in winners.items()
        if sum(by_line.values()) > 0 or offers[rule_id].cents == 0
    }
    order = {rule.id: _order(rule) for rule in rules}
    top = min(shares, key=lambda i: (-sum(shares[i].values()), *order[i]), default=None)
    shipping = sorted(
        (r for r in rules if r.type == FREE_SHIPPING), key=lambda r: (r.is_coupon, *_order(r))
    )
    return _Outcome(shares=shares, top=top, shipping=shipping[0].id if shipping else None)


def _explain(
    rule: Rule, reason: str | None, offer: _Offer, outcome: _Outcome
) -> PromotionExplanation:
    amount = _from_cents(offer.cents)
    if reason is None:
        if rule.type == FREE_SHIPPING:
            winner = outcome.shipping
        elif rule.id in outcome.shares:
            winner, amount = rule.id, _from_cents(sum(outcome.shares[rule.id].values()))
        else:
            winner = outcome.top
        if winner != rule.id:
            reason = f"{STACKING_LOST_TO}{winner}"
    return PromotionExplanation(
        id=rule.id,
        name=rule.name,
        code=rule.code,
        applied=reason is None,
        reason=reason,
        amount=amount,
    )


def evaluate(
    *,
    lines: Sequence[PricingLine],
    rules: Iterable[Rule],
    coupon_code: str | None,
    is_first_order: bool,
    now: datetime,
) -> CartPrice:
    """Price `lines` with the candidates among `rules` (see the module docstring).

    Deterministic and independent of the order of `lines` and `rules`. Raises ValueError for
    malformed lines (a repeated id, quantity < 1, a negative price).
    """
    _check_lines(lines)
    subtotal = money(sum((line.total for line in lines), ZERO))
    candidates = _candidates(list(rules), coupon_code, now)
    offers: dict[UUID, _Offer] = {}
    gates: dict[UUID, str | None] = {}
    for rule in candidates:
        eligible = [line for line in lines if rule.matches(line)]
        offers[rule.id] = _offer(rule, eligible)
        gates[rule.id] = _gate(
            rule, eligible, subtotal=subtotal, is_first_order=is_first_order, now=now
        )
    outcome = _contest([r for r in candidates if gates[r.id] is None], offers, lines)

    allocation = {line.id: 0 for line in lines}
    for by_line in outcome.shares.values():
        for line_id, cents in by_line.items():
            allocation[line_id] += cents
    explanations = [_explain(rule, gates[rule.id], offers[rule.id], outcome) for rule in candidates]
    applied = [
        AppliedPromotion(
            rule.id,
            rule.code,
            _from_cents(sum(outcome.shares[rule.id].values())),
        )
        if rule.id in outcome.shares
        else AppliedPromotion(rule.id, rule.code, ZERO, free_shipping=True)
        for rule in sorted(candidates, key=_order)  # the order of the stack
        if rule.id in outcome.shares or rule.id == outcome.shipping
    ]
    coupon = next((e for e in explanations if e.code is not None), None)
    wanted = coupon_code.strip().upper() if coupon_code else None
    if wanted and coupon is None:
        coupon = PromotionExplanation(
            id=None, name=wanted, code=wanted, applied=False, reason=UNKNOWN, amount=ZERO
        )
        explanations.append(coupon)
    return CartPrice(
        subtotal=subtotal,
        discount=_from_cents(sum(allocation.values())),
        free_shipping=outcome.shipping is not None,
        allocation={line_id: _from_cents(cents) for line_id, cents in allocation.items()},
        applied=tuple(applied),
        explanations=tuple(explanations),
        coupon=coupon,
    )
