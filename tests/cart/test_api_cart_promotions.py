"""The cart body with real promotions, through HTTP: candidates explained, coupons refused
with their reason, a coupon that stops qualifying kept with its reason, the query count."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.promotions import services as promotions
from apps.promotions.services import AppliedPromotion
from tests.cart.conftest import CART, ITEMS, item_of
from tests.catalog.factories import CategoryFactory
from tests.promotions.factories import make_coupon, make_promotion

pytestmark = pytest.mark.django_db
COUPON = f"{CART}/coupon"


def add(client, variant, quantity=1):
    response = client.post(
        ITEMS, {"variant_id": str(variant.id), "quantity": quantity}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def start(client) -> None:
    client.credentials(HTTP_X_CART_TOKEN=client.get(CART)["X-Cart-Token"])


def refused(response, reason: str) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_coupon"
    assert response.json()["error"]["details"]["reason"] == reason


def test_an_automatic_promotion_and_a_coupon_show_as_candidates_with_their_reasons(
    api_client, make_variant
):
    shoes = CategoryFactory(slug="shoes")
    boots = make_variant("80.00", product__category=CategoryFactory(slug="boots", parent=shoes))
    socks = make_variant("5.00")
    auto = make_promotion(
        name="Shoe week: 20% off shoes", value=Decimal("20"), conditions={"categories": [shoes.id]}
    )
    coupon = make_coupon("TENOFF", name="10.00 off", type="fixed", value=Decimal("10.00"))
    start(api_client)
    add(api_client, boots)
    add(api_client, socks, 2)

    body = api_client.post(COUPON, {"code": "tenoff"}, format="json").json()

    # 20% of the boots (16.00) beats 10.00 off; neither is stackable: the best one applies.
    assert body["promotions"] == [
        {"id": str(auto.id), "name": auto.name, "applied": True, "reason": None, "amount": "16.00"},
        {
            "id": str(coupon.id),
            "name": "10.00 off",
            "applied": False,
            "reason": f"stacking_lost_to:{auto.id}",
            "amount": "10.00",
        },
    ]
    assert (body["subtotal"], body["discount"], body["total"]) == ("90.00", "16.00", "74.00")
    assert body["free_shipping"] is False
    assert body["coupon_code"] == "TENOFF"

    # Made stackable, both apply: 16.00 + 10.00.
    promotions.promotion_update(promotion_id=coupon.id, stackable=True)
    promotions.promotion_update(promotion_id=auto.id, stackable=True)
    body = api_client.get(CART).json()
    assert [(p["applied"], p["reason"], p["amount"]) for p in body["promotions"]] == [
        (True, None, "16.00"),
        (True, None, "10.00"),
    ]
    assert (body["discount"], body["total"]) == ("26.00", "64.00")


def test_free_shipping_is_a_flag_and_leaves_the_discount_alone(api_client, make_variant):
    make_promotion(
        name="Free shipping over 50", type="free_shipping", conditions={"min_amount": "50"}
    )
    start(api_client)
    body = add(api_client, make_variant("30.00"))
    assert (body["free_shipping"], body["discount"], body["promotions"][0]["reason"]) == (
        False,
        "0.00",
        "min_amount",
    )
    body = add(api_client, make_variant("30.00"))
    assert (body["free_shipping"], body["discount"], body["total"]) == (True, "0.00", "60.00")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"conditions": {"min_amount": "100.00"}}, "min_amount"),
        ({"active": False}, "inactive"),
        ({"end_date_in": -1}, "expired"),
        ({"start_in": 1}, "not_started"),
        ({"max_uses": 1, "used_up": True}, "exhausted"),
        ({"conditions": {"products": "other"}}, "not_eligible_items"),
    ],
)
def test_a_coupon_that_does_not_qualify_is_400_with_its_reason(
    api_client, make_variant, fields, reason
):
    now = timezone.now()
    if fields.pop("end_date_in", None):
        fields.update(start_date=now - timedelta(days=2), end_date=now - timedelta(days=1))
    if fields.pop("start_in", None):
        fields["start_date"] = now + timedelta(days=1)
    used_up = fields.pop("used_up", False)
    if fields.get("conditions", {}).get("products") == "other":
        fields["conditions"] = {"products": [make_variant().product_id]}
    coupon = make_coupon("NOPE10", **fields)
    if used_up:
        promotions.promotion_usage_hold(
            order_id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            applied=[AppliedPromotion(coupon.id, coupon.code, Decimal("1.00"))],
        )
    start(api_client)
    add(api_client, make_variant("20.00"))
    refused(api_client.post(COUPON, {"code": "nope10"}, format="json"), reason)
    assert api_client.get(CART).json()["coupon_code"] is None


def test_a_coupon_that_stops_qualifying_stays_on_the_cart_explained(api_client, make_variant):
    coupon = make_coupon(
        "BIG", type="fixed", value=Decimal("15.00"), conditions={"min_amount": "50"}
    )
    start(api_client)
    boots = make_variant("40.00")
    body = add(api_client, boots, 2)
    body = api_client.post(COUPON, {"code": "BIG"}, format="json").json()
    assert (body["discount"], body["promotions"][0]["applied"]) == ("15.00", True)

    item_id = item_of(body, boots)["id"]
    body = api_client.put(f"{ITEMS}/{item_id}", {"quantity": 1}, format="json").json()

    assert body["coupon_code"] == "BIG"
    assert body["promotions"] == [
        {
            "id": str(coupon.id),
            "name": coupon.name,
            "applied": False,
            "reason": "min_amount",
            "amount": "15.00",
        }
    ]
    assert (body["subtotal"], body["discount"], body["total"]) == ("40.00", "0.00", "40.00")

    # Deleted by staff meanwhile (no order used it): still on the cart, now unknown.
    promotions.promotion_delete(promotion_id=coupon.id)
    body = api_client.get(CART).json()
    assert body["promotions"] == [
        {"id": None, "name": "BIG", "applied": False, "reason": "unknown", "amount": "0.00"}
    ]


def test_a_signed_in_regular_customer_cannot_put_a_first_order_coupon_on(
    user, user_client, make_variant
):
    make_coupon("WELCOME", conditions={"first_time_only": True})
    earlier = make_coupon("EARLIER")
    add(user_client, make_variant("20.00"))
    assert user_client.post(COUPON, {"code": "welcome"}, format="json").status_code == 200
    user_client.delete(COUPON)
    # An order of this customer took a promotion: not their first order any more.
    promotions.promotion_usage_hold(
        order_id=uuid.uuid4(),
        user_id=user.id,
        applied=[AppliedPromotion(earlier.id, "EARLIER", Decimal("1.00"))],
    )
    refused(user_client.post(COUPON, {"code": "welcome"}, format="json"), "first_time_only")


def test_cart_get_with_three_lines_an_automatic_promotion_and_a_coupon_query_count(
    api_client, user_client, make_variant, django_assert_num_queries
):
    category = CategoryFactory()
    variants = [make_variant("10.00", product__category=category) for _ in range(3)]
    make_promotion(name="Auto", value=Decimal("5"), stackable=True)
    make_coupon("TEN", stackable=True, max_uses=100, max_uses_per_user=2)
    start(api_client)
    for variant in variants:
        add(api_client, variant)
        add(user_client, variant)
    api_client.post(COUPON, {"code": "TEN"}, format="json")
    user_client.post(COUPON, {"code": "TEN"}, format="json")

    # The variants come from the cached details; a coupon's candidates are one query.
    with django_assert_num_queries(1):
        body = api_client.get(CART).json()
    assert body["discount"] == "4.50" and len(body["promotions"]) == 2
    with django_assert_num_queries(2):  # + the JWT's user; use counts join the candidates
        body = user_client.get(CART).json()
    assert body["discount"] == "4.50"

    # A category condition adds the catalog's path lookup, once whatever the cart.
    make_promotion(name="Category", value=Decimal("1"), conditions={"categories": [category.id]})
    with django_assert_num_queries(2):
        body = api_client.get(CART).json()
    assert len(body["promotions"]) == 3
