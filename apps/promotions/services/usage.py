"""Promotion usage: what checkout records inside its transaction, and gives back or confirms.

Limits hold under concurrent checkouts: the promotion rows are locked (SELECT … FOR NO KEY
UPDATE, primary-key order) before a use is counted, the shop-wide counter moves with a
conditional `UPDATE … WHERE current_uses < max_uses`, and the CHECK constraint
`current_uses <= max_uses` is the last line of defence. Checkout locks its stock rows first
(inventory), then the promotion rows here, always in that order, so the two cannot deadlock.
The lock is held to the end of the caller's transaction: call `promotion_usage_hold` late in
it (after the stock and the order rows), so concurrent checkouts of one promotion wait for
as short a time as possible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from apps.promotions import rules
from apps.promotions.exceptions import InvalidCoupon, InvalidInput
from apps.promotions.models import Promotion, PromotionUsage
from apps.promotions.rules import AppliedPromotion
from apps.promotions.services.info import PromotionUsageInfo, usage_info
from apps.promotions.services.pricing import TAKEN, per_user_limit
from shop.errors import parse_uuid

State = PromotionUsage.State


def _lock_promotions(promotion_ids: Iterable[UUID]) -> dict[UUID, Promotion]:
    """Lock the promotion rows in primary-key order (the one order every usage change takes).
    NO KEY: inserting usage rows (their foreign key check) does not wait on it."""
    rows = Promotion.objects.select_for_update(no_key=True).filter(id__in=set(promotion_ids))
    return {promotion.id: promotion for promotion in rows.order_by("pk")}


def _user_uses(user_id: UUID, promotion_ids: Iterable[UUID]) -> Counter:
    rows = (
        PromotionUsage.objects.filter(
            user_id=user_id, promotion_id__in=set(promotion_ids), state__in=TAKEN
        )
        .values("promotion_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({row["promotion_id"]: row["n"] for row in rows})


def _check_left(promotion: Promotion, *, user_uses: int) -> None:
    """Raise InvalidCoupon (already_used, exhausted) unless a LOCKED promotion (read under
    its lock, so its `current_uses` is the committed count) has a use left for this user."""
    limit = per_user_limit(promotion)
    if limit is not None and user_uses >= limit:
        raise InvalidCoupon(
            reason=rules.ALREADY_USED, coupon_code=promotion.code, promotion_id=promotion.id
        )
    if promotion.max_uses is not None and promotion.current_uses >= promotion.max_uses:
        raise InvalidCoupon(
            reason=rules.EXHAUSTED, coupon_code=promotion.code, promotion_id=promotion.id
        )


def _count_uses(promotions: Sequence[Promotion]) -> None:
    """One more use of each LOCKED promotion, with one conditional UPDATE (checkout's query
    budget: one statement however many promotions apply). The condition is the guard behind
    `_check_left` (and the CHECK constraint behind both): if a promotion has no use left
    after all, nothing is counted."""
    if not promotions:
        return
    taken = (
        Promotion.objects.filter(pk__in=[promotion.pk for promotion in promotions])
        .filter(Q(max_uses__isnull=True) | Q(current_uses__lt=F("max_uses")))
        .update(current_uses=F("current_uses") + 1)
    )
    if taken != len(promotions):
        first = promotions[0]
        raise InvalidCoupon(reason=rules.EXHAUSTED, coupon_code=first.code, promotion_id=first.id)


def _still_running(promotion: Promotion, now: datetime) -> None:
    reason = None
    if not promotion.active:
        reason = rules.INACTIVE
    elif now < promotion.start_date:
        reason = rules.NOT_STARTED
    elif promotion.end_date is not None and now >= promotion.end_date:
        reason = rules.EXPIRED
    if reason:
        raise InvalidCoupon(reason=reason, coupon_code=promotion.code, promotion_id=promotion.id)


def _applied_by_id(applied: Sequence[AppliedPromotion]) -> dict[UUID, AppliedPromotion]:
    by_id: dict[UUID, AppliedPromotion] = {}
    for position, item in enumerate(applied):
        if not isinstance(item, AppliedPromotion):
            raise InvalidInput(details={"applied": [f"Item {position}: not an AppliedPromotion."]})
        if not isinstance(item.amount, Decimal) or item.amount < 0:
            raise InvalidInput(details={"applied": [f"Item {position}: amount, a Decimal >= 0."]})
        if item.promotion_id in by_id:
            raise InvalidInput(details={"applied": [f"Item {position}: promotion repeated."]})
        by_id[item.promotion_id] = item
    return by_id


def promotion_usage_hold(
    *, order_id: UUID, user_id: UUID, applied: Sequence[AppliedPromotion]
) -> tuple[PromotionUsageInfo, ...]:
    """Record one use per applied promotion (`cart_price(...).applied`) by `order_id`, held
    until `promotion_usage_confirm` (paid) or `promotion_usage_void` (cancelled unpaid).

    Runs inside the caller's transaction (checkout's, after it reserved stock) and locks the
    promotion rows until it ends. All or nothing: raises InvalidCoupon and records nothing
    when a promotion is gone (`unknown`), no longer running (`inactive`, `not_started`,
    `expired`), has no use left (`exhausted`: the last one went to another order) or this
    customer has used it up (`already_used`; a first-order offer counts once per customer);
    details carry `promotion_id` and `code`. Idempotent per (order, promotion): a promotion
    the order already holds or used is not counted again (a void one is taken again).
    Returns the order's usage of the applied promotions.
    """
    order_id = parse_uuid(order_id, "order_id")
    user_id = parse_uuid(user_id, "user_id")
    wanted = _applied_by_id(applied)
    if not wanted:
        return ()
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_promotions(wanted)
        for promotion_id in sorted(wanted, key=str):
            if promotion_id not in locked:
                raise InvalidCoupon(
                    reason=rules.UNKNOWN,
                    coupon_code=wanted[promotion_id].code,
                    promotion_id=promotion_id,
                )
        # Read after the locks: a concurrent hold for this order has committed by now. One
        # query for both this order's usage and the customer's uses (checkout's budget).
        rows = list(
            PromotionUsage.objects.filter(promotion_id__in=locked).filter(
                Q(order_id=order_id) | Q(user_id=user_id, state__in=TAKEN)
            )
        )
        existing = {usage.promotion_id: usage for usage in rows if usage.order_id == order_id}
        to_take = [
            promotion
            for promotion in locked.values()
            if promotion.id not in existing or existing[promotion.id].state == State.VOID
        ]
        user_uses = Counter(
            usage.promotion_id
            for usage in rows
            if usage.user_id == user_id and usage.state in TAKEN
        )
        for promotion in to_take:
            _still_running(promotion, now)
            _check_left(promotion, user_uses=user_uses[promotion.id])
        _count_uses(to_take)
        created = []
        for promotion in to_take:
            amount = rules.money(wanted[promotion.id].amount)
            usage = existing.get(promotion.id)
            if usage is None:
                created.append(
                    PromotionUsage(
                        promotion=promotion, user_id=user_id, order_id=order_id, amount=amount
                    )
                )
            else:
                usage.state, usage.amount, usage.user_id = State.HELD, amount, user_id
                usage.save(update_fields=["state", "amount", "user_id", "updated_at"])
        PromotionUsage.objects.bulk_create(created)
    usages = [*created, *existing.values()]
    return tuple(usage_info(u) for u in sorted(usages, key=lambda u: str(u.promotion_id)))


def _lock_order_usages(order_id: UUID) -> tuple[dict[UUID, Promotion], list[PromotionUsage]]:
    """Lock the promotions an order has usage of, then its usage rows (the order of hold)."""
    promotion_ids = PromotionUsage.objects.filter(order_id=order_id).values_list(
        "promotion_id", flat=True
    )
    locked = _lock_promotions(list(promotion_ids))
    usages = (
        PromotionUsage.objects.select_for_update(of=("self",))
        .filter(order_id=order_id, promotion_id__in=locked)
        .order_by("pk")
    )
    return locked, list(usages)


def promotion_usage_void(*, order_id: UUID) -> tuple[PromotionUsageInfo, ...]:
    """Give back the uses HELD by `order_id` (a cancelled unpaid order): they become void and
    the promotions' counters go down, so the next checkout can take them.

    Idempotent (void uses stay void); a used use (the order was paid) stays used: max_uses
    counts placed orders, and a paid order that is later refunded was placed. Joins the
    caller's transaction; release the order's stock before (the lock order of checkout).
    Returns the order's usage as it is now.
    """
    order_id = parse_uuid(order_id, "order_id")
    with transaction.atomic():
        _, usages = _lock_order_usages(order_id)
        held = [usage for usage in usages if usage.state == State.HELD]
        given_back = Counter(usage.promotion_id for usage in held)
        for promotion_id in sorted(given_back, key=str):
            Promotion.objects.filter(pk=promotion_id).update(
                current_uses=F("current_uses") - given_back[promotion_id]
            )
        if held:
            PromotionUsage.objects.filter(pk__in=[usage.pk for usage in held]).update(
                state=State.VOID, updated_at=timezone.now()
            )
        for usage in held:
            usage.state = State.VOID
    return tuple(usage_info(usage) for usage in sorted(usages, key=lambda u: str(u.promotion_id)))


def promotion_usage_confirm(*, order_id: UUID) -> tuple[PromotionUsageInfo, ...]:
    """Mark the uses of `order_id` used (its payment succeeded). Idempotent.

    A void use (the unpaid order was cancelled, then paid after all) is taken again within
    the limits, since a paid order counts; when none is left this raises InvalidCoupon
    (`exhausted` / `already_used`) and changes nothing, and the caller decides (refund or
    accept the order without counting). Joins the caller's transaction. Returns the order's
    usage as it is now.
    """
    order_id = parse_uuid(order_id, "order_id")
    with transaction.atomic():
        locked, usages = _lock_order_usages(order_id)
        void = [usage for usage in usages if usage.state == State.VOID]
        if void:
            user_uses = _user_uses(void[0].user_id, (usage.promotion_id for usage in void))
            void.sort(key=lambda usage: str(usage.promotion_id))
            again = [locked[usage.promotion_id] for usage in void]
            for promotion in again:
                _check_left(promotion, user_uses=user_uses[promotion.id])
            _count_uses(again)
        pending = [usage for usage in usages if usage.state != State.USED]
        if pending:
            PromotionUsage.objects.filter(pk__in=[usage.pk for usage in pending]).update(
                state=State.USED, updated_at=timezone.now()
            )
        for usage in pending:
            usage.state = State.USED
    return tuple(usage_info(usage) for usage in sorted(usages, key=lambda u: str(u.promotion_id)))


def promotion_usage_list(*, order_id: UUID) -> tuple[PromotionUsageInfo, ...]:
    """The usage records of an order (any state)."""
    order_id = parse_uuid(order_id, "order_id")
    usages = PromotionUsage.objects.filter(order_id=order_id).order_by("promotion_id")
    return tuple(usage_info(usage) for usage in usages)
