"""The rules engine on its own (no database): worked examples per type with exact Decimals,
then hypothesis properties over random carts and promotions."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.promotions import rules
from apps.promotions.rules import PricingLine, Rule, allocate, evaluate

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
D = Decimal


def line(price: str, quantity: int = 1, *, path: str = "/misc/", product=None, id=None):
    return PricingLine(
        id=id or uuid.uuid4(),
        variant_id=uuid.uuid4(),
        product_id=product or uuid.uuid4(),
        category_path=path,
        unit_price=D(price),
        quantity=quantity,
    )


def rule(kind: str, value: str = "0", **fields) -> Rule:
    fields.setdefault("name", f"{kind} {value}")
    return Rule(id=fields.pop("id", None) or uuid.uuid4(), type=kind, value=D(value), **fields)


def price(lines, rules_, coupon=None, *, first=True, now=NOW):
    return evaluate(lines=lines, rules=rules_, coupon_code=coupon, is_first_order=first, now=now)


def explained(result, promotion):
    return next(e for e in result.explanations if e.id == promotion.id)


# --- worked examples ------------------------------------------------------------------------


def test_percentage_of_the_whole_cart_rounds_once_and_allocates_by_largest_remainder():
    shirts, socks = line("19.99", 3), line("5.00")
    sale = rule("percentage", "15")
    result = price([shirts, socks], [sale])
    # 15% of 64.97 = 9.7455 → 9.75; shares 8.99965… and 0.75034…: the spare cent goes to
    # the larger remainder.
    assert (result.subtotal, result.discount, result.total) == (D("64.97"), D("9.75"), D("55.22"))
    assert result.allocation == {shirts.id: D("9.00"), socks.id: D("0.75")}
    assert result.applied == (rules.AppliedPromotion(sale.id, None, D("9.75")),)
    assert result.explanations == (
        rules.PromotionExplanation(sale.id, sale.name, None, True, None, D("9.75")),
    )


def test_half_cents_round_half_up_not_to_even():
    assert price([line("0.05")], [rule("percentage", "10")]).discount == D("0.01")  # 0.005
    assert price([line("0.20")], [rule("percentage", "12.5")]).discount == D("0.03")  # 0.025
    assert price([line("0.25")], [rule("percentage", "10")]).discount == D("0.03")  # 0.025


def test_a_spare_cent_between_equal_lines_goes_to_the_smaller_id_whatever_the_order():
    low = line("0.05", id=uuid.UUID(int=1))
    high = line("0.05", id=uuid.UUID(int=2))
    sale = rule("percentage", "10")
    for lines in ([low, high], [high, low]):
        result = price(lines, [sale])
        assert result.discount == D("0.01")
        assert result.allocation == {low.id: D("0.01"), high.id: D("0.00")}


def test_percentage_only_on_the_eligible_lines_of_a_category_and_its_descendants():
    shirt = line("40.00", path="/clothing/shirts/")
    coat = line("100.00", path="/clothing/")
    other = line("60.00", path="/clothing-outlet/")  # a prefix of the slug, not of the path
    sale = rule("percentage", "25", category_paths=frozenset({"/clothing/"}))
    result = price([shirt, coat, other], [sale])
    assert result.discount == D("35.00")
    assert result.allocation == {shirt.id: D("10.00"), coat.id: D("25.00"), other.id: D("0.00")}


def test_products_or_categories_either_makes_a_line_eligible():
    product = uuid.uuid4()
    listed = line("10.00", product=product, path="/toys/")
    in_category = line("30.00", path="/books/novels/")
    neither = line("50.00", path="/toys/")
    sale = rule(
        "percentage",
        "10",
        product_ids=frozenset({product}),
        category_paths=frozenset({"/books/"}),
    )
    assert price([listed, in_category, neither], [sale]).discount == D("4.00")


def test_fixed_never_goes_below_zero_and_is_shared_by_line_totals():
    cheap = line("3.50", path="/sale/")
    full = line("80.00", path="/new/")
    five_off_sale = rule("fixed", "5.00", category_paths=frozenset({"/sale/"}))
    result = price([cheap, full], [five_off_sale])
    assert result.discount == D("3.50")
    assert result.allocation == {cheap.id: D("3.50"), full.id: D("0.00")}

    a, b = line("30.00"), line("10.00")
    result = price([a, b], [rule("fixed", "10.00")])
    assert result.allocation == {a.id: D("7.50"), b.id: D("2.50")}


def test_bogo_discounts_the_cheapest_eligible_units_with_mixed_prices():
    jeans, shirts, socks = line("30.00", 2), line("20.00", 1), line("10.00", 3)
    buy2get1 = rule("bogo", "100", buy_quantity=2, get_quantity=1)
    result = price([jeans, shirts, socks], [buy2get1])
    # 6 units → 2 groups of 3 → 2 units free, the two cheapest: 10.00 + 10.00.
    assert result.discount == D("20.00")
    assert result.allocation == {jeans.id: D("0.00"), shirts.id: D("0.00"), socks.id: D("20.00")}

    half = rule("bogo", "50", buy_quantity=2, get_quantity=1)
    assert price([jeans, shirts, socks], [half]).discount == D("10.00")


def test_bogo_half_price_rounds_half_up_and_spans_lines():
    big, small = line("9.99"), line("4.99", 2)
    # 3 units, buy 1 get 1 → 1 unit at half price: 2.495 → 2.50.
    assert price([big, small], [rule("bogo", "50")]).discount == D("2.50")
    # buy 1 get 2 over 4.99, 3.99, 2.99 (one unit each): 1 group, the two cheapest free.
    a, b, c = line("4.99"), line("3.99"), line("2.99")
    result = price([a, b, c], [rule("bogo", "100", buy_quantity=1, get_quantity=2)])
    assert result.discount == D("6.98")
    assert result.allocation == {a.id: D("0.00"), b.id: D("3.99"), c.id: D("2.99")}


def test_bogo_without_a_full_group_is_not_eligible():
    result = price([line("10.00", 2)], [offer := rule("bogo", "100", buy_quantity=2)])
    assert explained(result, offer).reason == rules.NOT_ELIGIBLE_ITEMS
    assert result.discount == D("0.00")


def test_free_shipping_is_a_flag_not_a_discount_and_does_not_compete():
    shipping = rule("free_shipping", min_amount=D("50.00"))
    sale = rule("percentage", "10")
    result = price([line("60.00")], [shipping, sale])
    assert result.free_shipping is True
    assert result.discount == D("6.00")
    assert explained(result, shipping).applied and explained(result, sale).applied
    assert {a.promotion_id for a in result.applied} == {shipping.id, sale.id}

    below = price([line("40.00")], [shipping])
    assert below.free_shipping is False
    assert explained(below, shipping).reason == rules.MIN_AMOUNT


def test_an_automatic_free_shipping_spares_the_coupon():
    automatic = rule("free_shipping", priority=200)
    coupon = rule("free_shipping", code="SHIPFREE", priority=1)
    result = price([line("10.00")], [coupon, automatic], "shipfree")
    assert result.free_shipping is True
    assert result.applied == (rules.AppliedPromotion(automatic.id, None, D("0.00"), True),)
    assert explained(result, coupon).reason == f"stacking_lost_to:{automatic.id}"
    assert result.coupon_rejection is None  # losing is not being ineligible


def test_the_best_single_non_stackable_beats_a_smaller_stack():
    single = rule("percentage", "20")
    ten = rule("percentage", "10", stackable=True, priority=1)
    five = rule("fixed", "5.00", stackable=True, priority=2)
    result = price([line("100.00")], [single, ten, five])
    assert result.discount == D("20.00")
    assert result.applied_ids == (single.id,)
    assert explained(result, ten).reason == f"stacking_lost_to:{single.id}"
    assert explained(result, ten).amount == D("10.00")  # what it would have given
    assert explained(result, five).amount == D("5.00")


def test_a_bigger_stack_beats_the_best_single():
    single = rule("percentage", "20")
    ten = rule("percentage", "10", stackable=True, priority=1)
    five = rule("fixed", "5.00", stackable=True, priority=2)
    result = price([line("30.00")], [single, ten, five])
    assert result.discount == D("8.00")  # 3.00 + 5.00 against 6.00
    assert result.applied_ids == (ten.id, five.id)
    assert explained(result, single).reason == f"stacking_lost_to:{five.id}"


def test_a_tie_goes_to_the_single_promotion_which_spends_fewer_uses():
    single = rule("percentage", "10")
    coupon = rule("percentage", "10", code="TEN", stackable=True)
    result = price([line("50.00")], [single, coupon], "TEN")
    assert result.applied_ids == (single.id,)
    assert result.coupon.reason == f"stacking_lost_to:{single.id}"


def test_stacked_promotions_never_discount_a_line_beyond_its_total():
    only = line("100.00")
    first = rule("percentage", "60", stackable=True, priority=1)
    second = rule("percentage", "50", stackable=True, priority=2)
    result = price([only], [second, first])
    assert result.discount == D("100.00")
    assert [(a.promotion_id, a.amount) for a in result.applied] == [
        (first.id, D("60.00")),
        (second.id, D("40.00")),
    ]
    # A third one finds nothing left: it loses (it would have given 10.00 on its own).
    third = rule("percentage", "10", stackable=True, priority=3)
    result = price([only], [first, second, third])
    assert explained(result, third).reason == f"stacking_lost_to:{first.id}"
    assert explained(result, third).amount == D("10.00")
    assert result.applied_ids == (first.id, second.id)


def test_stacking_capacity_is_per_line_not_per_cart():
    a, b = line("100.00", path="/a/"), line("100.00", path="/b/")
    on_a = rule("percentage", "80", stackable=True, priority=1, category_paths=frozenset({"/a/"}))
    everywhere = rule("fixed", "50.00", stackable=True, priority=2)
    result = price([a, b], [on_a, everywhere])
    # 80 on A; 50 over A and B by line totals would put 25 on A (only 20 left): A takes 20,
    # B the other 30.
    assert result.discount == D("130.00")
    assert result.allocation == {a.id: D("100.00"), b.id: D("30.00")}


def test_every_reason_a_candidate_does_not_apply():
    cart = [line("20.00", path="/toys/")]
    cases = {
        rules.NOT_STARTED: {"starts_at": NOW + timedelta(days=1)},
        rules.EXPIRED: {"ends_at": NOW},
        rules.INACTIVE: {"active": False},
        rules.EXHAUSTED: {"exhausted": True},
        rules.ALREADY_USED: {"user_limit_reached": True},
        rules.FIRST_TIME_ONLY: {"first_time_only": True},
        rules.MIN_AMOUNT: {"min_amount": D("20.01")},
        rules.NOT_ELIGIBLE_ITEMS: {"category_paths": frozenset({"/books/"})},
    }
    for reason, fields in cases.items():
        coupon = rule("percentage", "10", code="C", **fields)
        result = price(cart, [coupon], "c", first=False)
        assert result.coupon.reason == reason, reason
        assert result.coupon_rejection == reason
        assert result.discount == D("0.00")
        expected = D("0.00") if reason == rules.NOT_ELIGIBLE_ITEMS else D("2.00")
        assert result.coupon.amount == expected  # what it would have given
    assert price(cart, [rule("percentage", "10", code="C", min_amount=D("20.00"))], "C").discount
    assert price(cart, [rule("percentage", "10", code="C", first_time_only=True)], "C").discount


def test_an_unknown_coupon_is_explained_and_automatic_ones_outside_their_dates_are_not_listed():
    running = rule("percentage", "10")
    later = rule("percentage", "50", starts_at=NOW + timedelta(hours=1))
    ended = rule("percentage", "50", ends_at=NOW - timedelta(hours=1))
    off = rule("percentage", "50", active=False)
    other_coupon = rule("percentage", "50", code="OTHER")
    result = price([line("10.00")], [running, later, ended, off, other_coupon], "nope")
    assert [e.id for e in result.explanations] == [running.id, None]
    assert result.coupon == rules.PromotionExplanation(
        None, "NOPE", "NOPE", False, rules.UNKNOWN, D("0.00")
    )
    assert result.coupon_rejection == rules.UNKNOWN
    assert result.discount == D("1.00")


def test_an_empty_cart_prices_to_zero_with_candidates_explained():
    sale = rule("percentage", "10")
    result = price([], [sale])
    assert (result.subtotal, result.discount, result.allocation) == (D("0.00"), D("0.00"), {})
    assert explained(result, sale).reason == rules.NOT_ELIGIBLE_ITEMS


def test_malformed_lines_are_refused():
    same = uuid.uuid4()
    for lines in (
        [line("1.00", id=same), line("2.00", id=same)],
        [line("1.00", 0)],
        [line("-1.00")],
    ):
        with pytest.raises(ValueError):
            price(lines, [])


def test_allocate_fills_caps_then_shares_the_rest():
    a, b, c = (uuid.UUID(int=i) for i in (1, 2, 3))
    assert allocate(100, {a: D(1), b: D(1), c: D(0)}, {a: 10, b: 500, c: 500}) == {
        a: 10,
        b: 90,
        c: 0,
    }
    assert allocate(2, {a: D(1), b: D(1), c: D(1)}, {a: 5, b: 5, c: 5}) == {a: 1, b: 1, c: 0}
    with pytest.raises(ValueError):
        allocate(11, {a: D(1)}, {a: 10})


# --- properties -----------------------------------------------------------------------------

PATHS = ["/a/", "/a/b/", "/a/b/c/", "/d/", "/d/e/"]
PRODUCTS = [uuid.UUID(int=1000 + i) for i in range(4)]
CODES = ["ALPHA", "BETA", "GAMMA"]

cents = st.integers(min_value=0, max_value=50_000).map(lambda c: Decimal(c) / 100)
percents = st.integers(min_value=0, max_value=10_000).map(lambda c: Decimal(c) / 100)


@st.composite
def carts(draw):
    count = draw(st.integers(min_value=0, max_value=7))
    return [
        PricingLine(
            id=uuid.UUID(int=draw(st.integers(min_value=1, max_value=2**64)) * 8 + i),
            variant_id=uuid.uuid4(),
            product_id=draw(st.sampled_from(PRODUCTS)),
            category_path=draw(st.sampled_from(PATHS)),
            unit_price=draw(cents),
            quantity=draw(st.integers(min_value=1, max_value=12)),
        )
        for i in range(count)
    ]


@st.composite
def promotions(draw):
    kind = draw(st.sampled_from(rules.TYPES))
    value = draw(cents if kind == rules.FIXED else percents)
    when = draw(st.sampled_from(["running", "running", "running", "later", "ended"]))
    return Rule(
        id=uuid.uuid4(),
        name=kind,
        type=kind,
        value=value,
        code=draw(st.none() | st.sampled_from(CODES)),
        min_amount=draw(st.none() | cents),
        category_paths=draw(st.none() | st.frozensets(st.sampled_from(PATHS), max_size=2)),
        product_ids=draw(st.none() | st.frozensets(st.sampled_from(PRODUCTS), max_size=2)),
        first_time_only=draw(st.booleans()),
        buy_quantity=draw(st.integers(min_value=1, max_value=3)),
        get_quantity=draw(st.integers(min_value=1, max_value=3)),
        starts_at=NOW + timedelta(days=1) if when == "later" else NOW - timedelta(days=1),
        ends_at=NOW - timedelta(hours=1) if when == "ended" else None,
        active=draw(st.booleans()) or draw(st.booleans()),
        stackable=draw(st.booleans()),
        priority=draw(st.integers(min_value=0, max_value=3)),
        exhausted=draw(st.booleans()) and draw(st.booleans()),
        user_limit_reached=draw(st.booleans()) and draw(st.booleans()),
    )


def _unique_codes(rules_: list[Rule]) -> list[Rule]:
    seen, kept = set(), []
    for candidate in rules_:
        if candidate.code is None or candidate.code not in seen:
            seen.add(candidate.code)
            kept.append(candidate)
    return kept


scenarios = st.tuples(
    carts(),
    st.lists(promotions(), max_size=6).map(_unique_codes),
    st.none() | st.sampled_from([*CODES, "UNKNOWN1"]),
    st.booleans(),
)
engine_settings = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@engine_settings
@given(scenarios)
def test_discount_is_never_negative_nor_above_the_subtotal(scenario):
    lines, rules_, coupon, first = scenario
    result = price(lines, rules_, coupon, first=first)
    assert D("0.00") <= result.discount <= result.subtotal
    assert result.subtotal == sum((ln.total for ln in lines), D("0.00"))
    assert result.total == result.subtotal - result.discount >= 0


@engine_settings
@given(scenarios)
def test_allocations_sum_to_the_discount_and_no_line_gets_more_than_its_total(scenario):
    lines, rules_, coupon, first = scenario
    result = price(lines, rules_, coupon, first=first)
    assert set(result.allocation) == {ln.id for ln in lines}
    assert sum(result.allocation.values(), D("0.00")) == result.discount
    for ln in lines:
        share = result.allocation[ln.id]
        assert share == share.quantize(D("0.01"))
        assert D("0.00") <= share <= ln.total
    assert sum((a.amount for a in result.applied), D("0.00")) == result.discount


@engine_settings
@given(scenarios)
def test_stacking_never_gives_less_than_the_best_single_option(scenario):
    lines, rules_, coupon, first = scenario
    result = price(lines, rules_, coupon, first=first)
    for candidate in rules_:
        alone = price(lines, [candidate], coupon, first=first)
        if alone.applied:  # eligible on its own: one option the shop could have picked
            assert result.discount >= alone.discount, candidate
    for explanation in result.explanations:
        if explanation.reason is None or explanation.reason.startswith("stacking_lost_to:"):
            assert result.discount >= explanation.amount


@engine_settings
@given(scenarios, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_lines_or_promotions(scenario, rnd: random.Random):
    lines, rules_, coupon, first = scenario
    result = price(lines, rules_, coupon, first=first)
    shuffled_lines, shuffled_rules = list(lines), list(rules_)
    rnd.shuffle(shuffled_lines)
    rnd.shuffle(shuffled_rules)
    assert price(shuffled_lines, shuffled_rules, coupon, first=first) == result


@engine_settings
@given(scenarios)
def test_explanations_are_complete_and_consistent(scenario):
    lines, rules_, coupon, first = scenario
    result = price(lines, rules_, coupon, first=first)
    applied = set(result.applied_ids)
    for explanation in result.explanations:
        assert explanation.applied == (explanation.reason is None)
        assert (explanation.id in applied) == explanation.applied
        assert explanation.amount >= 0
        if explanation.reason and explanation.reason.startswith("stacking_lost_to:"):
            winner = uuid.UUID(explanation.reason.split(":", 1)[1])
            assert winner in applied
    automatic_running = {r.id for r in rules_ if r.code is None and r.active and r.running_at(NOW)}
    listed = {e.id for e in result.explanations if e.code is None}
    assert listed == automatic_running
    assert result.free_shipping == any(a.free_shipping for a in result.applied)
    assert sum(a.free_shipping for a in result.applied) <= 1


@engine_settings
@given(scenarios)
def test_a_single_percentage_is_exactly_its_percent_of_the_eligible_lines(scenario):
    lines, _, _, _ = scenario
    sale = Rule(
        id=uuid.uuid4(),
        name="p",
        type=rules.PERCENTAGE,
        value=D("33.33"),
        category_paths=frozenset({"/a/b/"}),
    )
    result = price(lines, [sale])
    eligible = sum((ln.total for ln in lines if ln.category_path.startswith("/a/b/")), D(0))
    expected = rules.money(eligible * D("0.3333")) if eligible else D("0.00")
    assert result.discount == expected
    for ln in lines:
        if not ln.category_path.startswith("/a/b/"):
            assert result.allocation[ln.id] == 0


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=500)
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=0, max_value=5000),
)
def test_allocate_sums_exactly_within_caps_and_within_a_cent_of_proportional(pairs, wanted):
    keys = [uuid.UUID(int=i + 1) for i in range(len(pairs))]
    weights = {k: D(w) for k, (w, _) in zip(keys, pairs, strict=True)}
    caps = {k: c for k, (_, c) in zip(keys, pairs, strict=True)}
    room = sum(caps[k] for k in keys if weights[k] > 0)
    amount = min(wanted, room)
    shares = allocate(amount, weights, caps)
    assert sum(shares.values()) == amount
    assert all(0 <= shares[k] <= caps[k] for k in keys)
    assert all(shares[k] == 0 for k in keys if weights[k] == 0)
    if all(caps[k] >= amount for k in keys):  # no cap binds: largest remainder proper
        total = sum(weights.values())
        for k in keys:
            ideal = Fraction(amount) * Fraction(weights[k]) / Fraction(total) if total else 0
            assert abs(shares[k] - ideal) < 1
