"""The staff promotions API per API.md: CRUD, filters, bad input in the error body."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.promotions import services
from apps.promotions.services import AppliedPromotion
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.promotions.factories import make_coupon, make_promotion

pytestmark = pytest.mark.django_db
LIST = "/api/v1/promotions"


def detail(promotion_id) -> str:
    return f"{LIST}/{promotion_id}"


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


VALID = {
    "code": "Spring-10",
    "name": "Spring: 10% off",
    "type": "percentage",
    "value": "10.00",
    "start_date": "2026-03-01T00:00:00Z",
    "end_date": "2026-04-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", LIST), ("post", LIST), ("get", f"{LIST}/x"), ("patch", f"{LIST}/x")],
)
def test_staff_only(api_client, user_client, method, path):
    path = path.replace("x", str(uuid.uuid4()))
    error(getattr(api_client, method)(path, {}, format="json"), 401, "not_authenticated")
    error(getattr(user_client, method)(path, {}, format="json"), 403, "permission_denied")


def test_create_answers_201_with_the_promotion(staff_client):
    category, product = CategoryFactory(), ProductFactory()
    body = {
        **VALID,
        "conditions": {
            "min_amount": "25.00",
            "categories": [str(category.id)],
            "products": [str(product.id)],
            "first_time_only": True,
        },
        "max_uses": 100,
        "max_uses_per_user": 1,
        "stackable": True,
        "priority": 5,
    }
    response = staff_client.post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created == {
        "id": created["id"],
        "code": "SPRING-10",
        "name": "Spring: 10% off",
        "type": "percentage",
        "value": "10.00",
        "conditions": {
            "min_amount": "25.00",
            "categories": [str(category.id)],
            "products": [str(product.id)],
            "first_time_only": True,
            "buy_quantity": 1,
            "get_quantity": 1,
        },
        "max_uses": 100,
        "max_uses_per_user": 1,
        "current_uses": 0,
        "start_date": "2026-03-01T00:00:00Z",
        "end_date": "2026-04-01T00:00:00Z",
        "active": True,
        "stackable": True,
        "priority": 5,
        "created_at": created["created_at"],
        "updated_at": created["updated_at"],
    }
    assert staff_client.get(detail(created["id"])).json() == created


def test_an_automatic_free_shipping_needs_only_a_name_and_a_type(staff_client):
    response = staff_client.post(
        f"{LIST}/", {"name": "Ships free", "type": "free_shipping"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["code"], body["value"], body["max_uses"], body["end_date"]) == (
        None,
        "0.00",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "half_off"}, "type"),
        ({"value": "-1.00"}, "value"),
        ({"value": "120"}, "value"),
        ({"value": "abc"}, "value"),
        ({"type": "bogo", "value": "100.01"}, "value"),
        ({"end_date": "2026-02-01T00:00:00Z"}, "end_date"),
        ({"end_date": "2026-03-01T00:00:00Z"}, "end_date"),
        ({"name": ""}, "name"),
        ({"code": "two words"}, "code"),
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": "5"}, "max_uses"),
        ({"max_uses_per_user": -1}, "max_uses_per_user"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"conditions": {"min_amount": "-5"}}, "conditions"),
        ({"conditions": {"buy_quantity": 0}}, "conditions"),
        ({"conditions": {"colour": "red"}}, "conditions"),
        ({"conditions": {"categories": [str(uuid.uuid4())]}}, "conditions"),
        ({"conditions": {"products": ["nope"]}}, "conditions"),
        ({"conditions": "cheap"}, "conditions"),
        ({"priority": 1.5}, "priority"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_creates_nothing(staff_client, change, field):
    response = staff_client.post(LIST, {**VALID, **change}, format="json")
    assert field in error(response, 400, "invalid")["details"]
    assert services.promotions_filter().count() == 0


def test_a_code_taken_in_another_case_is_400(staff_client):
    make_coupon("SPRING-10")
    response = staff_client.post(LIST, {**VALID, "code": "spring-10"}, format="json")
    assert "code" in error(response, 400, "invalid")["details"]
    other = make_coupon("OTHER")
    response = staff_client.patch(detail(other.id), {"code": "Spring-10"}, format="json")
    assert "code" in error(response, 400, "invalid")["details"]
    assert services.promotion_get(promotion_id=other.id).code == "OTHER"


def test_malformed_json_is_400_invalid(staff_client):
    response = staff_client.generic("POST", LIST, "{nope", content_type="application/json")
    error(response, 400, "invalid")


def test_patch_changes_only_the_given_fields_and_checks_the_result(staff_client):
    promotion = make_coupon("P1", value="10")
    response = staff_client.patch(
        detail(promotion.id), {"value": "15", "active": False}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["value"], body["active"], body["code"], body["type"]) == (
        "15.00",
        False,
        "P1",
        "percentage",
    )
    # A change that makes the whole invalid (a percentage of 50 turned into more than 100).
    response = staff_client.patch(detail(promotion.id), {"value": "150"}, format="json")
    assert "value" in error(response, 400, "invalid")["details"]
    # fixed amounts may be above 100
    response = staff_client.patch(
        detail(promotion.id), {"type": "fixed", "value": "150"}, format="json"
    )
    assert response.json()["value"] == "150.00"


def test_put_replaces_the_promotion(staff_client):
    promotion = make_coupon("P1", max_uses=10, stackable=True, conditions={"min_amount": "5"})
    response = staff_client.put(
        detail(promotion.id), {"name": "Plain", "type": "fixed", "value": "3.00"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["max_uses"], body["stackable"], body["name"]) == (
        None,
        None,
        False,
        "Plain",
    )
    assert body["conditions"]["min_amount"] is None
    assert (
        "name"
        in error(staff_client.put(detail(promotion.id), {}, format="json"), 400, "invalid")[
            "details"
        ]
    )


def test_max_uses_cannot_go_below_the_uses_already_taken(staff_client):
    promotion = make_coupon("USED", max_uses=5)
    for _ in range(3):
        services.promotion_usage_hold(
            order_id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            applied=[AppliedPromotion(promotion.id, "USED", Decimal("1.00"))],
        )
    response = staff_client.patch(detail(promotion.id), {"max_uses": 2}, format="json")
    assert "max_uses" in error(response, 400, "invalid")["details"]
    ok = staff_client.patch(detail(promotion.id), {"max_uses": 3}, format="json")
    assert (ok.json()["max_uses"], ok.json()["current_uses"]) == (3, 3)


def test_delete_answers_204_and_409_for_a_promotion_orders_used(staff_client):
    unused, used = make_promotion(name="Unused"), make_coupon("USED")
    services.promotion_usage_hold(
        order_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        applied=[AppliedPromotion(used.id, "USED", Decimal("1.00"))],
    )
    assert staff_client.delete(detail(unused.id)).status_code == 204
    error(staff_client.get(detail(unused.id)), 404, "not_found")
    error(staff_client.delete(detail(used.id)), 409, "conflict")
    assert staff_client.get(detail(used.id)).status_code == 200


def test_unknown_ids_are_404(staff_client):
    error(staff_client.get(detail(uuid.uuid4())), 404, "not_found")
    error(staff_client.patch(detail(uuid.uuid4()), {"name": "x"}, format="json"), 404, "not_found")
    error(staff_client.get(f"{LIST}/not-a-uuid"), 404, "not_found")


def test_list_is_paginated_newest_first_and_filters_by_code_and_active(
    staff_client, django_assert_max_num_queries
):
    first = make_coupon("Alpha")
    second = make_promotion(name="Off", active=False)
    third = make_coupon("BETA")
    with django_assert_max_num_queries(4):  # the staff user, count, page (+ savepoint-free)
        body = staff_client.get(LIST).json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert [p["id"] for p in body["results"]] == [str(third.id), str(second.id), str(first.id)]

    assert [p["id"] for p in staff_client.get(LIST, {"code": "alpha"}).json()["results"]] == [
        str(first.id)
    ]
    assert staff_client.get(LIST, {"code": "nope"}).json()["count"] == 0
    inactive = staff_client.get(LIST, {"active": "false"}).json()["results"]
    assert [p["id"] for p in inactive] == [str(second.id)]
    assert staff_client.get(LIST, {"active": "true"}).json()["count"] == 2
    error(staff_client.get(LIST, {"active": "maybe"}), 400, "invalid")
    page = staff_client.get(LIST, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]


def test_the_schema_documents_the_promotions_endpoints(staff_client):
    schema = staff_client.get("/api/schema/", {"format": "json"}).json()
    assert {"/api/v1/promotions", "/api/v1/promotions/{promotion_id}"} <= set(schema["paths"])
    operations = schema["paths"]["/api/v1/promotions/{promotion_id}"]
    assert {"get", "put", "patch", "delete"} <= set(operations)
