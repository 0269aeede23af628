"""Cart services against the real Redis and PostgreSQL: lines, versions, merge, pricing."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from apps.cart import services, store
from apps.cart.exceptions import (
    CartItemNotFound,
    InsufficientStock,
    InvalidInput,
    VersionMismatch,
)
from apps.catalog.models import Product, Variant
from apps.promotions.exceptions import InvalidCoupon
from tests.promotions.factories import make_coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return services.CartOwner.for_user(uuid.uuid4())


def test_owner_is_a_user_or_a_token_never_both_nor_neither():
    with pytest.raises(ValueError):
        services.CartOwner()
    with pytest.raises(ValueError):
        services.CartOwner(user_id=uuid.uuid4(), token="x" * 43)
    user_id = uuid.uuid4()
    assert services.CartOwner(user_id=str(user_id)).user_id == user_id


def test_a_cart_never_written_is_empty_at_version_zero(owner):
    cart = services.cart_get(owner=owner)
    assert (cart.version, cart.lines, cart.subtotal, cart.total) == (0, (), Decimal("0.00"), 0)
    assert cart.is_empty


def test_add_keeps_the_price_at_add_time_and_adds_to_the_same_line(owner, make_variant):
    variant = make_variant(price="12.50")
    first = services.cart_line_add(owner=owner, variant_id=variant.id, quantity=2)
    second = services.cart_line_add(owner=owner, variant_id=str(variant.id), quantity=3)

    assert (first.version, second.version) == (1, 2)
    assert len(second.lines) == 1
    line = second.lines[0]
    assert line.id == first.lines[0].id
    assert (line.quantity, line.unit_price, line.line_total) == (5, Decimal("12.50"), 62.5)
    assert isinstance(line.unit_price, Decimal)
    assert (line.sku, line.product_id, line.available) == (variant.sku, variant.product_id, True)
    assert (second.subtotal, second.discount, second.total) == (
        Decimal("62.50"),
        Decimal("0.00"),
        Decimal("62.50"),
    )


def test_unit_price_is_stored_as_a_decimal_string_in_redis(owner, make_variant, redis):
    variant = make_variant(price="0.10")
    cart = services.cart_line_add(owner=owner, variant_id=variant.id, quantity=3)
    stored = json.loads(redis.hget(owner.key, f"line:{cart.lines[0].id}"))
    assert stored["unit_price"] == "0.10"
    assert cart.subtotal == Decimal("0.30")  # 0.1 * 3 in floats would be 0.30000000000000004


def test_price_change_in_the_catalog_shows_as_price_changed(owner, make_variant):
    variant = make_variant(price="10.00")
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=2)
    Variant.objects.filter(pk=variant.pk).update(price=Decimal("8.00"))

    line = services.cart_get(owner=owner).lines[0]
    assert (line.unit_price, line.current_price, line.price_changed) == (
        Decimal("10.00"),
        Decimal("8.00"),
        True,
    )
    assert line.line_total == Decimal("16.00")
    assert services.cart_get(owner=owner).subtotal == Decimal("16.00")


def test_lines_of_inactive_or_vanished_variants_are_flagged_and_left_out_of_totals(
    owner, make_variant
):
    kept, archived, vanished = make_variant("5.00"), make_variant("7.00"), make_variant("9.00")
    for variant in (kept, archived, vanished):
        services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    Product.objects.filter(pk=archived.product_id).update(status=Product.Status.ARCHIVED)
    Variant.objects.filter(pk=vanished.pk).delete()

    cart = services.cart_get(owner=owner)
    by_variant = {line.variant_id: line for line in cart.lines}
    assert by_variant[kept.id].available is True
    assert (by_variant[archived.id].available, by_variant[archived.id].line_total) == (False, 0)
    assert by_variant[vanished.id].available is False
    assert by_variant[vanished.id].current_price is None
    assert cart.subtotal == Decimal("5.00")
    assert cart.has_unavailable_lines
    assert [line.variant_id for line in cart.priced_lines] == [kept.id]


def test_add_rejects_unknown_variant_inactive_product_and_bad_quantities(
    owner, make_variant, settings, redis
):
    settings.CART_MAX_LINE_QUANTITY = 5
    draft = make_variant(product__status=Product.Status.DRAFT)
    variant = make_variant()
    cases = [
        ({"variant_id": uuid.uuid4(), "quantity": 1}, "variant_id"),
        ({"variant_id": "not-a-uuid", "quantity": 1}, "variant_id"),
        ({"variant_id": draft.id, "quantity": 1}, "variant_id"),
        ({"variant_id": variant.id, "quantity": 0}, "quantity"),
        ({"variant_id": variant.id, "quantity": 6}, "quantity"),
        ({"variant_id": variant.id, "quantity": True}, "quantity"),
        ({"variant_id": variant.id, "quantity": "2"}, "quantity"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as caught:
            services.cart_line_add(owner=owner, **kwargs)
        assert field in caught.value.details, kwargs
    assert not redis.exists(owner.key)


def test_the_line_limit_applies_to_the_resulting_quantity(owner, variant, settings):
    settings.CART_MAX_LINE_QUANTITY = 5
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=4)
    with pytest.raises(InvalidInput) as caught:
        services.cart_line_add(owner=owner, variant_id=variant.id, quantity=2)
    assert "quantity" in caught.value.details
    cart = services.cart_get(owner=owner)
    assert (cart.version, cart.lines[0].quantity) == (1, 4)


def test_stock_is_checked_on_the_resulting_quantity_without_reserving(owner, make_variant):
    variant = make_variant(stock=5)
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=3)
    with pytest.raises(InsufficientStock) as caught:
        services.cart_line_add(owner=owner, variant_id=variant.id, quantity=3)
    assert caught.value.details == {
        "items": [{"variant_id": str(variant.id), "requested": 6, "available": 5}]
    }
    # A check, not a reservation: another cart may take the same units.
    other = services.CartOwner.for_user(uuid.uuid4())
    assert services.cart_line_add(owner=other, variant_id=variant.id, quantity=5).version == 1
    assert services.cart_get(owner=owner).lines[0].quantity == 3


def test_a_variant_without_any_stock_cannot_be_added(owner, make_variant):
    variant = make_variant(stock=0)
    with pytest.raises(InsufficientStock) as caught:
        services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    assert caught.value.details["items"][0]["available"] == 0


def test_update_sets_the_quantity_checks_stock_and_zero_removes(owner, make_variant):
    variant = make_variant(stock=4)
    item_id = services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1).lines[0].id

    assert (
        services.cart_line_update(owner=owner, item_id=item_id, quantity=4).lines[0].quantity == 4
    )
    with pytest.raises(InsufficientStock) as caught:
        services.cart_line_update(owner=owner, item_id=item_id, quantity=5)
    assert caught.value.details["items"][0] == {
        "variant_id": str(variant.id),
        "requested": 5,
        "available": 4,
    }
    cart = services.cart_line_update(owner=owner, item_id=item_id, quantity=0)
    assert (cart.lines, cart.version) == ((), 3)
    # The variant index went with the line: adding again starts a new line.
    again = services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    assert again.lines[0].id != item_id and again.lines[0].quantity == 1


def test_unknown_items_are_not_found_and_change_nothing(owner, variant):
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    for item_id in (uuid.uuid4(), "nope"):
        with pytest.raises(CartItemNotFound):
            services.cart_line_update(owner=owner, item_id=item_id, quantity=2)
        with pytest.raises(CartItemNotFound):
            services.cart_line_remove(owner=owner, item_id=item_id)
    assert services.cart_get(owner=owner).version == 1


def test_every_mutation_checks_the_expected_version_and_changes_nothing_on_mismatch(
    owner, variant, redis
):
    make_coupon("SAVE10")
    cart = services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    coupon = services.cart_coupon_apply(owner=owner, code="save10")
    item_id, stale = cart.lines[0].id, cart.version
    assert coupon.version == 2
    before = redis.hgetall(owner.key)
    mutations = [
        lambda: services.cart_line_add(
            owner=owner, variant_id=variant.id, quantity=1, expected_version=stale
        ),
        lambda: services.cart_line_update(
            owner=owner, item_id=item_id, quantity=3, expected_version=stale
        ),
        lambda: services.cart_line_remove(owner=owner, item_id=item_id, expected_version=stale),
        lambda: services.cart_empty(owner=owner, expected_version=stale),
        lambda: services.cart_coupon_apply(owner=owner, code="OTHER", expected_version=stale),
        lambda: services.cart_coupon_remove(owner=owner, expected_version=stale),
        lambda: services.cart_merge(
            user_id=owner.user_id, cart_token="t" * 43, expected_version=stale
        ),
    ]
    for mutate in mutations:
        with pytest.raises(VersionMismatch) as caught:
            mutate()
        assert caught.value.details == {"current_version": 2}
    assert redis.hgetall(owner.key) == before

    matching = services.cart_line_add(
        owner=owner, variant_id=variant.id, quantity=1, expected_version=2
    )
    assert (matching.version, matching.lines[0].quantity) == (3, 2)


def test_cart_clear_clears_only_an_unchanged_cart(owner, variant):
    cart = services.cart_line_add(owner=owner, variant_id=variant.id, quantity=2)
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)  # after "checkout read"

    assert services.cart_clear(owner=owner, expected_version=cart.version) is False
    assert services.cart_get(owner=owner).lines[0].quantity == 3

    assert services.cart_clear(owner=owner, expected_version=2) is True
    emptied = services.cart_get(owner=owner)
    assert (emptied.lines, emptied.version, emptied.coupon_code) == ((), 3, None)


def test_coupon_codes_are_stored_upper_cased_and_shown_as_candidates(owner, make_variant, redis):
    coupon = make_coupon("Summer-10", name="Summer", value=Decimal("10"))
    services.cart_line_add(owner=owner, variant_id=make_variant("25.00").id, quantity=2)
    cart = services.cart_coupon_apply(owner=owner, code="  summer-10 ")
    assert cart.coupon_code == "SUMMER-10"
    assert redis.hget(owner.key, "coupon_code") == b"SUMMER-10"
    [candidate] = cart.promotions
    assert (candidate.id, candidate.name, candidate.applied, candidate.reason) == (
        coupon.id,
        "Summer",
        True,
        None,
    )
    assert (cart.subtotal, cart.discount, cart.total) == (
        Decimal("50.00"),
        Decimal("5.00"),
        Decimal("45.00"),
    )

    removed = services.cart_coupon_remove(owner=owner)
    assert (removed.coupon_code, removed.promotions) == (None, ())
    assert (removed.discount, removed.total) == (Decimal("0.00"), Decimal("50.00"))
    assert redis.hget(owner.key, "coupon_code") is None


def test_an_unknown_coupon_is_refused_with_its_reason_and_changes_nothing(owner, variant, redis):
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    before = redis.hgetall(owner.key)
    with pytest.raises(InvalidCoupon) as caught:
        services.cart_coupon_apply(owner=owner, code="nope")
    assert caught.value.details == {"reason": "unknown", "code": "NOPE"}
    assert redis.hgetall(owner.key) == before


@pytest.mark.parametrize("code", ["", "   ", "has space", "x" * 51, "ünïcode", None])
def test_malformed_coupon_codes_are_invalid(owner, code, redis):
    with pytest.raises(InvalidInput) as caught:
        services.cart_coupon_apply(owner=owner, code=code)
    assert "code" in caught.value.details
    assert not redis.exists(owner.key)


def test_merge_sums_caps_moves_lines_and_deletes_the_anonymous_cart(make_variant, settings, redis):
    settings.CART_MAX_LINE_QUANTITY = 10
    both, only_anon, only_user = make_variant("3.00"), make_variant("4.00"), make_variant("5.00")
    anonymous = services.cart_owner_resolve(user_id=None, token=None)
    services.cart_line_add(owner=anonymous, variant_id=both.id, quantity=7)
    services.cart_line_add(owner=anonymous, variant_id=only_anon.id, quantity=2)
    make_coupon("WELCOME")
    services.cart_coupon_apply(owner=anonymous, code="WELCOME")
    user = services.CartOwner.for_user(uuid.uuid4())
    services.cart_line_add(owner=user, variant_id=both.id, quantity=6)
    services.cart_line_add(owner=user, variant_id=only_user.id, quantity=1)

    merged = services.cart_merge(user_id=user.user_id, cart_token=anonymous.token)

    quantities = {line.variant_id: line.quantity for line in merged.lines}
    assert quantities == {both.id: 10, only_anon.id: 2, only_user.id: 1}
    assert merged.version == 3
    assert merged.coupon_code == "WELCOME"
    assert not redis.exists(anonymous.key)
    assert redis.ttl(user.key) > settings.CART_TTL_ANONYMOUS_SECONDS
    # The merged token now starts a new empty cart with a new token.
    fresh = services.cart_owner_resolve(user_id=None, token=anonymous.token)
    assert fresh.token != anonymous.token
    assert services.cart_get(owner=fresh).lines == ()
    # Merging again (a retried login) changes nothing.
    again = services.cart_merge(user_id=user.user_id, cart_token=anonymous.token)
    assert (again.version, len(again.lines)) == (3, 3)


def test_merge_keeps_the_users_coupon_over_the_anonymous_one(variant):
    make_coupon("ANON"), make_coupon("MINE")
    anonymous = services.cart_owner_resolve(user_id=None, token=None)
    services.cart_line_add(owner=anonymous, variant_id=variant.id, quantity=1)
    services.cart_coupon_apply(owner=anonymous, code="ANON")
    user = services.CartOwner.for_user(uuid.uuid4())
    services.cart_line_add(owner=user, variant_id=variant.id, quantity=1)
    services.cart_coupon_apply(owner=user, code="MINE")
    merged = services.cart_merge(user_id=user.user_id, cart_token=anonymous.token)
    assert merged.coupon_code == "MINE"


def test_merge_rejects_something_that_is_not_a_token():
    with pytest.raises(InvalidInput) as caught:
        services.cart_merge(user_id=uuid.uuid4(), cart_token="short")
    assert "cart_token" in caught.value.details


def test_tokens_are_issued_for_unknown_or_malformed_ones_and_kept_when_known(redis, settings):
    issued = services.cart_owner_resolve(user_id=None, token=None)
    assert services.cart_token_valid(issued.token)
    assert redis.hget(issued.key, "version") == b"0"
    assert 0 < redis.ttl(issued.key) <= settings.CART_TTL_ANONYMOUS_SECONDS
    assert services.cart_owner_resolve(user_id=None, token=issued.token) == issued
    for bad in ("", "../../etc", "a" * 43, "a" * 200):
        assert services.cart_owner_resolve(user_id=None, token=bad).token not in (bad, issued.token)
    user_id = uuid.uuid4()
    assert services.cart_owner_resolve(user_id=user_id, token=issued.token) == (
        services.CartOwner.for_user(user_id)
    )


def test_ttl_is_one_day_anonymous_seven_days_user_and_every_write_renews(variant, redis):
    anonymous = services.cart_owner_resolve(user_id=None, token=None)
    user = services.CartOwner.for_user(uuid.uuid4())
    services.cart_line_add(owner=anonymous, variant_id=variant.id, quantity=1)
    services.cart_line_add(owner=user, variant_id=variant.id, quantity=1)
    assert 86400 - 5 <= redis.ttl(anonymous.key) <= 86400
    assert 7 * 86400 - 5 <= redis.ttl(user.key) <= 7 * 86400

    redis.expire(user.key, 100)
    services.cart_get(owner=user)
    assert redis.ttl(user.key) <= 100  # reading does not renew
    make_coupon("X1")
    services.cart_coupon_apply(owner=user, code="X1")
    assert redis.ttl(user.key) > 7 * 86400 - 5

    redis.expire(anonymous.key, 100)
    services.cart_line_update(
        owner=anonymous,
        item_id=services.cart_get(owner=anonymous).lines[0].id,
        quantity=2,
    )
    assert redis.ttl(anonymous.key) > 86400 - 5


def test_an_expired_cart_starts_over_empty(variant, redis):
    owner = services.CartOwner.for_user(uuid.uuid4())
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    redis.delete(owner.key)  # what expiry does
    assert services.cart_get(owner=owner).version == 0


def test_mutations_run_as_registered_scripts_through_evalsha(owner, variant, redis):
    redis.script_flush()  # as after a Redis restart: EVALSHA reloads by itself
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    sha = store._script("line_add").sha
    assert redis.script_exists(sha) == [True]
    calls_before = _evalsha_calls(redis)
    services.cart_line_add(owner=owner, variant_id=variant.id, quantity=1)
    assert _evalsha_calls(redis) == calls_before + 1


def _evalsha_calls(redis) -> int:
    return int(redis.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def test_a_full_cart_refuses_new_lines_but_still_adds_to_existing_ones(
    owner, make_variant, monkeypatch
):
    monkeypatch.setattr(services, "CART_MAX_LINES", 2)
    first, second, third = make_variant(), make_variant(), make_variant()
    services.cart_line_add(owner=owner, variant_id=first.id, quantity=1)
    services.cart_line_add(owner=owner, variant_id=second.id, quantity=1)
    with pytest.raises(InvalidInput) as caught:
        services.cart_line_add(owner=owner, variant_id=third.id, quantity=1)
    assert "variant_id" in caught.value.details
    assert services.cart_line_add(owner=owner, variant_id=first.id, quantity=1).version == 3
