"""cart_price and coupon_validate against the real database: candidates, categories with
descendants, per-customer state, and a query count that does not grow with the cart."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.services import category_update
from apps.promotions import services
from apps.promotions.exceptions import InvalidCoupon, InvalidInput
from apps.promotions.models import Promotion, PromotionUsage
from tests.promotions.conftest import pricing_line
from tests.promotions.factories import make_coupon, make_promotion

pytestmark = pytest.mark.django_db
D = Decimal


def price(lines, coupon=None, user_id=None, first=None, now=None):
    return services.cart_price(
        lines=lines, coupon_code=coupon, user_id=user_id, is_first_order=first, now=now
    )


def outcome(result, promotion):
    return next(e for e in result.explanations if e.id == promotion.id)


def use(promotion, user_id, state="used"):
    PromotionUsage.objects.create(
        promotion_id=promotion.id, user_id=user_id, order_id=uuid.uuid4(), state=state
    )


def test_automatic_promotions_and_the_coupon_are_the_candidates(make_variant):
    lines = [pricing_line(make_variant("40.00"), 2)]
    auto = make_promotion(name="Spring", value=D("10"), stackable=True, priority=1)
    coupon = make_coupon("Save5", type="fixed", value=D("5.00"), stackable=True, priority=2)
    make_coupon("OTHER", value=D("50"))  # another code: not a candidate
    make_promotion(name="Off", active=False)
    make_promotion(name="Later", start_date=timezone.now() + timedelta(days=1))

    result = price(lines, coupon="save5")

    assert [e.id for e in result.explanations] == [auto.id, coupon.id]
    assert (result.subtotal, result.discount) == (D("80.00"), D("13.00"))
    assert [(a.promotion_id, a.amount) for a in result.applied] == [
        (auto.id, D("8.00")),
        (coupon.id, D("5.00")),
    ]
    assert result.allocation == {lines[0].id: D("13.00")}
    assert result.coupon.id == coupon.id and result.coupon_rejection is None


def test_a_category_condition_covers_its_descendants_by_materialized_path(make_variant, clothing):
    shirt = pricing_line(make_variant("20.00", clothing["shirts"]))
    coat = pricing_line(make_variant("100.00", clothing["root"]))
    outlet = pricing_line(make_variant("50.00", clothing["outlet"]))
    sale = make_promotion(value=D("10"), conditions={"categories": [clothing["root"].id]})

    result = price([shirt, coat, outlet])

    assert result.discount == D("12.00")
    assert result.allocation[outlet.id] == D("0.00")
    assert outcome(result, sale).applied


def test_a_moved_category_is_priced_with_its_new_path(make_variant, clothing):
    # Paths are resolved when pricing, so re-pathing a subtree (catalog) needs no update here.
    category_update(category_id=clothing["shirts"].id, parent_id=clothing["outlet"].id)
    variant = make_variant("20.00", clothing["shirts"])
    variant.product.category.refresh_from_db()
    shirt = pricing_line(variant)
    assert shirt.category_path == "/clothing-outlet/shirts/"
    on_outlet = make_promotion(value=D("50"), conditions={"categories": [clothing["outlet"].id]})
    assert outcome(price([shirt]), on_outlet).amount == D("10.00")


def test_products_condition(make_variant):
    chosen, other = make_variant("30.00"), make_variant("30.00")
    make_promotion(type="fixed", value=D("7.00"), conditions={"products": [chosen.product_id]})
    lines = [pricing_line(chosen), pricing_line(other)]
    result = price(lines)
    assert result.allocation == {lines[0].id: D("7.00"), lines[1].id: D("0.00")}


def test_per_user_limits_and_shop_limits_come_from_the_usage_records(make_variant):
    lines = [pricing_line(make_variant("50.00"))]
    ann, bob = uuid.uuid4(), uuid.uuid4()
    once = make_coupon("ONCE", max_uses_per_user=1)
    use(once, ann)
    use(once, bob, state="void")  # given back: does not count

    assert price(lines, "once", ann).coupon.reason == "already_used"
    assert price(lines, "once", bob).coupon.applied
    assert price(lines, "once", None).coupon.applied  # anonymous: checked at checkout

    scarce = make_coupon("SCARCE", max_uses=1)
    assert price(lines, "scarce", ann).coupon.applied
    Promotion.objects.filter(pk=scarce.id).update(current_uses=1)  # what a hold does
    assert price(lines, "scarce", ann).coupon.reason == "exhausted"


def test_first_order_is_inferred_for_the_cart_and_given_by_checkout(make_variant):
    lines = [pricing_line(make_variant("50.00"))]
    welcome = make_coupon("WELCOME", conditions={"first_time_only": True})
    newcomer, regular = uuid.uuid4(), uuid.uuid4()
    use(make_promotion(name="Earlier", active=False), regular)

    assert price(lines, "welcome", None).coupon.applied  # anonymous: a first order
    assert price(lines, "welcome", newcomer).coupon.applied
    assert price(lines, "welcome", regular).coupon.reason == "first_time_only"
    # Checkout knows the order history and says so.
    assert price(lines, "welcome", newcomer, first=False).coupon.reason == "first_time_only"
    assert price(lines, "welcome", regular, first=True).coupon.applied
    # A first-order offer is one use per customer.
    use(welcome, newcomer, state="held")
    assert price(lines, "welcome", newcomer, first=True).coupon.reason == "already_used"


def test_an_expired_coupon_stays_explained_with_its_dates(make_variant):
    lines = [pricing_line(make_variant("10.00"))]
    now = timezone.now()
    make_coupon("LATE", start_date=now - timedelta(days=2), end_date=now - timedelta(days=1))
    make_coupon("SOON", start_date=now + timedelta(days=1))
    assert price(lines, "late").coupon.reason == "expired"
    assert price(lines, "soon").coupon.reason == "not_started"
    assert price(lines, "soon", now=now + timedelta(days=2)).coupon.applied


@pytest.mark.parametrize("size", [1, 3, 25])
def test_pricing_takes_a_fixed_number_of_queries_whatever_the_cart(
    make_variant, clothing, django_assert_num_queries, size
):
    lines = [pricing_line(make_variant("10.00", clothing["shirts"])) for _ in range(size)]
    make_promotion(name="Auto", value=D("5"), max_uses=100, max_uses_per_user=3)
    make_coupon("TEN", stackable=True)
    with django_assert_num_queries(1):  # candidates, with this customer's use counts
        price(lines, "ten", uuid.uuid4())
    make_promotion(name="Shirts", conditions={"categories": [clothing["root"].id]})
    with django_assert_num_queries(2):  # + the category paths (catalog), once
        result = price(lines, "ten", uuid.uuid4())
    assert len(result.explanations) == 3


def test_malformed_lines_are_invalid_input(make_variant):
    line = pricing_line(make_variant())
    with pytest.raises(InvalidInput):
        price([line, line])
    with pytest.raises(InvalidInput):
        price(["not a line"])


def test_coupon_validate_answers_the_coupon_or_why_not(make_variant):
    coupon = make_coupon("Hello", max_uses_per_user=1)
    info = services.coupon_validate(code=" hello ", user_id=None)
    assert (info.promotion_id, info.code) == (coupon.id, "HELLO")

    user = uuid.uuid4()
    use(coupon, user)
    cases = [
        ("hello", user, "already_used"),
        ("nope", None, "unknown"),
        ("two words", None, "unknown"),
    ]
    make_coupon("OFF", active=False)
    make_coupon("FIRST", conditions={"first_time_only": True})
    cases += [("off", None, "inactive"), ("first", user, "first_time_only")]
    for code, user_id, reason in cases:
        with pytest.raises(InvalidCoupon) as caught:
            services.coupon_validate(code=code, user_id=user_id)
        assert caught.value.details["reason"] == reason, code
        assert caught.value.code == "invalid_coupon" and caught.value.http_status == 400
