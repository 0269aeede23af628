"""Usage limits under real parallel transactions: threads, each with its own connection,
each holding in its own transaction as checkout will (after reserving stock)."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.utils import OperationalError

from apps.inventory import services as inventory
from apps.inventory.models import StockLevel
from apps.promotions import services
from apps.promotions.exceptions import InvalidCoupon
from apps.promotions.models import Promotion, PromotionUsage
from apps.promotions.services import AppliedPromotion
from tests.catalog.factories import VariantFactory
from tests.inventory.factories import WarehouseFactory
from tests.promotions.factories import make_coupon, make_promotion
from tests.support.parallel import run_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def applied(*promotions):
    return [AppliedPromotion(p.id, p.code, Decimal("1.00")) for p in promotions]


def checkout_hold(*, user_id, promotions, order_id=None, linger: float = 0.005):
    """What checkout's transaction does with promotions: hold, then finish its own writes
    (the short sleep stands for them) while the promotion rows stay locked."""
    with transaction.atomic():
        held = services.promotion_usage_hold(
            order_id=order_id or uuid.uuid4(), user_id=user_id, applied=applied(*promotions)
        )
        time.sleep(linger)
        return held


def split(results):
    won = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, InvalidCoupon)]
    others = [r for r in results if not isinstance(r, (tuple, InvalidCoupon))]
    return won, refused, others


def taken(promotion) -> tuple[int, int]:
    """(current_uses, held or used records): the counter and the records must agree."""
    counter = Promotion.objects.get(pk=promotion.id).current_uses
    records = PromotionUsage.objects.filter(
        promotion_id=promotion.id, state__in=["held", "used"]
    ).count()
    return counter, records


def test_twenty_checkouts_race_for_a_coupon_with_five_uses_exactly_five_win():
    coupon = make_coupon("FIVE", max_uses=5)

    results = run_parallel(20, lambda i: checkout_hold(user_id=uuid.uuid4(), promotions=[coupon]))

    won, refused, others = split(results)
    assert others == []
    assert (len(won), len(refused)) == (5, 15)
    assert {error.reason for error in refused} == {"exhausted"}
    assert taken(coupon) == (5, 5)


def test_one_customer_racing_with_a_once_per_customer_coupon_gets_it_once():
    coupon = make_coupon("ONCE", max_uses_per_user=1)
    user = uuid.uuid4()

    results = run_parallel(8, lambda i: checkout_hold(user_id=user, promotions=[coupon]))

    won, refused, others = split(results)
    assert others == []
    assert (len(won), len(refused)) == (1, 7)
    assert {error.reason for error in refused} == {"already_used"}
    assert taken(coupon) == (1, 1)


def test_a_voided_use_goes_to_exactly_one_of_the_next_racers():
    coupon = make_coupon("LAST", max_uses=1)
    first_order = uuid.uuid4()
    checkout_hold(user_id=uuid.uuid4(), promotions=[coupon], order_id=first_order)
    refused = run_parallel(4, lambda i: checkout_hold(user_id=uuid.uuid4(), promotions=[coupon]))
    assert {error.reason for error in refused} == {"exhausted"}

    services.promotion_usage_void(order_id=first_order)  # the unpaid order was cancelled
    results = run_parallel(10, lambda i: checkout_hold(user_id=uuid.uuid4(), promotions=[coupon]))

    won, refused, others = split(results)
    assert others == []
    assert (len(won), len(refused)) == (1, 9)
    assert taken(coupon) == (1, 1)


def test_voids_racing_holds_keep_the_counter_and_the_records_in_step():
    coupon = make_coupon("CHURN", max_uses=3)
    orders = [uuid.uuid4() for _ in range(3)]
    for order in orders:
        checkout_hold(user_id=uuid.uuid4(), promotions=[coupon], order_id=order)

    def work(i):
        if i < 3:
            return services.promotion_usage_void(order_id=orders[i])
        return checkout_hold(user_id=uuid.uuid4(), promotions=[coupon])

    results = run_parallel(12, work)

    assert [r for r in results if not isinstance(r, (tuple, InvalidCoupon))] == []
    counter, records = taken(coupon)
    assert counter == records <= 3
    won = [r for r in results[3:] if isinstance(r, tuple)]
    assert counter == len(won)  # the three voided orders no longer count


def test_racers_that_also_lock_the_stock_of_a_multi_line_order_never_deadlock():
    variants = [VariantFactory() for _ in range(4)]
    main = WarehouseFactory(code="MAIN", priority=10)
    east = WarehouseFactory(code="EAST", priority=20)
    for variant in variants:
        for warehouse in (main, east):
            inventory.stock_adjust(
                variant_id=variant.id, warehouse_id=warehouse.id, delta=12, reason=""
            )
    automatic = make_promotion(name="Everyone", max_uses=1000)
    coupon = make_coupon("FIVE", max_uses=5, stackable=True)

    def checkout(i):
        order_id = uuid.uuid4()
        # Each order takes two neighbouring variants of four (orders overlap in a ring, so
        # they do not all queue on the same stock rows), 3 units of one so that they
        # straddle the warehouses as MAIN runs low. Lines come in alternating orders, and
        # the promotions in opposite orders for orders that share no variant (i, i + 2), so
        # those reach the promotion rows together: locked in input order, they deadlock.
        one, other = variants[i % 4], variants[(i + 1) % 4]
        lines = [(one.id, 3), (other.id, 1)] if i % 2 else [(other.id, 1), (one.id, 3)]
        promotions = [automatic, coupon] if (i // 2) % 2 else [coupon, automatic]
        with transaction.atomic():
            inventory.reservation_create(order_id=order_id, lines=lines)
            time.sleep(0.005)  # the order rows checkout writes between the two
            held = services.promotion_usage_hold(
                order_id=order_id, user_id=uuid.uuid4(), applied=applied(*promotions)
            )
            time.sleep(0.005)
            return order_id, held

    results = run_parallel(20, checkout)

    deadlocks = [r for r in results if isinstance(r, OperationalError)]
    assert deadlocks == []
    won = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, InvalidCoupon)]
    assert [r for r in results if isinstance(r, Exception) and r not in refused] == []
    assert (len(won), len(refused)) == (5, 15)
    assert {error.reason for error in refused} == {"exhausted"}
    assert taken(coupon) == (5, 5)
    assert taken(automatic) == (5, 5)  # the refused checkouts rolled back all of theirs
    # Their stock reservations rolled back with them: 4 units per placed order remain.
    assert sum(level.reserved for level in StockLevel.objects.all()) == 5 * 4
    assert inventory.stock_reconcile() == []


def test_two_staff_saving_one_code_in_two_cases_at_once_make_one_promotion():
    from apps.promotions.exceptions import InvalidInput

    results = run_parallel(
        2,
        lambda i: services.promotion_create(
            code=["spring", "SPRING"][i], name=f"Spring {i}", type="percentage", value=Decimal("5")
        ),
    )

    created = [r for r in results if isinstance(r, services.PromotionInfo)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert (len(created), len(refused)) == (1, 1), results
    assert "code" in refused[0].details
    assert Promotion.objects.count() == 1
