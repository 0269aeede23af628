"""Usage records: hold inside checkout's transaction, void gives the use back, confirm on
payment; idempotent, all or nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.promotions import services
from apps.promotions.exceptions import InvalidCoupon, InvalidInput
from apps.promotions.models import Promotion, PromotionUsage
from apps.promotions.services import AppliedPromotion
from tests.promotions.factories import make_coupon, make_promotion

pytestmark = pytest.mark.django_db
D = Decimal


def applied(*promotions, amount="5.00"):
    return [AppliedPromotion(p.id, p.code, D(amount)) for p in promotions]


def uses(promotion) -> int:
    return Promotion.objects.get(pk=promotion.id).current_uses


def states(order_id) -> list[str]:
    return [u.state for u in services.promotion_usage_list(order_id=order_id)]


def test_hold_records_one_held_use_per_promotion_and_counts_it():
    auto, coupon = make_promotion(name="Auto"), make_coupon("C1", max_uses=3)
    order, user = uuid.uuid4(), uuid.uuid4()
    held = services.promotion_usage_hold(
        order_id=order, user_id=user, applied=applied(auto, coupon, amount="2.50")
    )
    assert {(u.promotion_id, u.state, u.amount, u.user_id) for u in held} == {
        (auto.id, "held", D("2.50"), user),
        (coupon.id, "held", D("2.50"), user),
    }
    assert (uses(auto), uses(coupon)) == (1, 1)


def test_hold_is_idempotent_per_order():
    coupon = make_coupon("C1", max_uses=1)
    order, user = uuid.uuid4(), uuid.uuid4()
    first = services.promotion_usage_hold(order_id=order, user_id=user, applied=applied(coupon))
    again = services.promotion_usage_hold(order_id=order, user_id=user, applied=applied(coupon))
    assert first == again and uses(coupon) == 1


def test_a_used_up_coupon_raises_exhausted_and_records_nothing_of_the_order():
    auto, coupon = make_promotion(name="Auto"), make_coupon("LAST", max_uses=1)
    services.promotion_usage_hold(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), applied=applied(coupon)
    )
    order = uuid.uuid4()
    with pytest.raises(InvalidCoupon) as caught:
        services.promotion_usage_hold(
            order_id=order, user_id=uuid.uuid4(), applied=applied(auto, coupon)
        )
    assert caught.value.details == {
        "reason": "exhausted",
        "code": "LAST",
        "promotion_id": str(coupon.id),
    }
    assert states(order) == [] and (uses(auto), uses(coupon)) == (0, 1)


def test_the_per_user_limit_counts_held_and_used_not_void():
    coupon = make_coupon("TWICE", max_uses_per_user=2)
    user = uuid.uuid4()
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for order in (first, second):
        services.promotion_usage_hold(order_id=order, user_id=user, applied=applied(coupon))
    services.promotion_usage_confirm(order_id=first)
    with pytest.raises(InvalidCoupon) as caught:
        services.promotion_usage_hold(order_id=third, user_id=user, applied=applied(coupon))
    assert caught.value.reason == "already_used"
    services.promotion_usage_void(order_id=second)
    services.promotion_usage_hold(order_id=third, user_id=user, applied=applied(coupon))
    assert uses(coupon) == 2
    # Another customer is not limited by this one.
    services.promotion_usage_hold(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), applied=applied(coupon)
    )


def test_a_first_order_offer_is_one_use_per_customer():
    welcome = make_coupon("WELCOME", conditions={"first_time_only": True})
    user = uuid.uuid4()
    services.promotion_usage_hold(order_id=uuid.uuid4(), user_id=user, applied=applied(welcome))
    with pytest.raises(InvalidCoupon) as caught:
        services.promotion_usage_hold(order_id=uuid.uuid4(), user_id=user, applied=applied(welcome))
    assert caught.value.reason == "already_used"


def test_void_gives_the_use_back_once_and_the_next_holder_gets_it():
    coupon = make_coupon("ONE", max_uses=1)
    order = uuid.uuid4()
    services.promotion_usage_hold(order_id=order, user_id=uuid.uuid4(), applied=applied(coupon))
    assert [u.state for u in services.promotion_usage_void(order_id=order)] == ["void"]
    assert [u.state for u in services.promotion_usage_void(order_id=order)] == ["void"]
    assert uses(coupon) == 0
    services.promotion_usage_hold(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), applied=applied(coupon)
    )
    assert uses(coupon) == 1
    assert services.promotion_usage_void(order_id=uuid.uuid4()) == ()  # nothing to void


def test_confirm_marks_used_idempotently_and_void_leaves_a_paid_use_alone():
    coupon = make_coupon("PAID", max_uses=2)
    order = uuid.uuid4()
    services.promotion_usage_hold(order_id=order, user_id=uuid.uuid4(), applied=applied(coupon))
    assert [u.state for u in services.promotion_usage_confirm(order_id=order)] == ["used"]
    assert [u.state for u in services.promotion_usage_confirm(order_id=order)] == ["used"]
    assert [u.state for u in services.promotion_usage_void(order_id=order)] == ["used"]
    assert uses(coupon) == 1


def test_confirm_after_void_takes_the_use_again_when_one_is_left():
    coupon = make_coupon("LATEPAY", max_uses=1)
    late = uuid.uuid4()
    services.promotion_usage_hold(order_id=late, user_id=uuid.uuid4(), applied=applied(coupon))
    services.promotion_usage_void(order_id=late)
    assert [u.state for u in services.promotion_usage_confirm(order_id=late)] == ["used"]
    assert uses(coupon) == 1

    # Voided again is impossible (used); another order voided while the last use went away:
    other = uuid.uuid4()
    coupon2 = make_coupon("GONE", max_uses=1)
    services.promotion_usage_hold(order_id=other, user_id=uuid.uuid4(), applied=applied(coupon2))
    services.promotion_usage_void(order_id=other)
    services.promotion_usage_hold(
        order_id=uuid.uuid4(), user_id=uuid.uuid4(), applied=applied(coupon2)
    )
    with pytest.raises(InvalidCoupon) as caught:
        services.promotion_usage_confirm(order_id=other)
    assert caught.value.reason == "exhausted"
    assert states(other) == ["void"] and uses(coupon2) == 1


def test_hold_refuses_promotions_that_stopped_running_or_are_gone():
    now = timezone.now()
    off = make_coupon("OFF")
    Promotion.objects.filter(pk=off.id).update(active=False)
    ended = make_coupon("ENDED", start_date=now - timedelta(days=2))
    Promotion.objects.filter(pk=ended.id).update(end_date=now - timedelta(seconds=1))
    gone = AppliedPromotion(uuid.uuid4(), "GONE", D("1.00"))
    for items, reason in (
        (applied(off), "inactive"),
        (applied(ended), "expired"),
        ([gone], "unknown"),
    ):
        with pytest.raises(InvalidCoupon) as caught:
            services.promotion_usage_hold(
                order_id=uuid.uuid4(), user_id=uuid.uuid4(), applied=items
            )
        assert caught.value.reason == reason


def test_hold_joins_the_callers_transaction():
    coupon = make_coupon("ROLLBACK", max_uses=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.promotion_usage_hold(
            order_id=uuid.uuid4(), user_id=uuid.uuid4(), applied=applied(coupon)
        )
        raise RuntimeError("checkout failed later")
    assert uses(coupon) == 0 and not PromotionUsage.objects.exists()


def test_hold_checks_its_input():
    coupon = make_coupon("X")
    with pytest.raises(InvalidInput):
        services.promotion_usage_hold(
            order_id=uuid.uuid4(), user_id=uuid.uuid4(), applied=applied(coupon, coupon)
        )
    with pytest.raises(InvalidInput):
        services.promotion_usage_hold(order_id="nope", user_id=uuid.uuid4(), applied=[])
    with pytest.raises(InvalidInput):
        services.promotion_usage_hold(
            order_id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            applied=[AppliedPromotion(coupon.id, "X", 1)],
        )
    assert (
        services.promotion_usage_hold(order_id=uuid.uuid4(), user_id=uuid.uuid4(), applied=[]) == ()
    )


def test_the_database_refuses_more_uses_than_max_uses():
    coupon = make_coupon("CHECK", max_uses=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.filter(pk=coupon.id).update(current_uses=2)
