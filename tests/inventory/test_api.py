from __future__ import annotations

import uuid

import pytest

from apps.inventory import services
from apps.inventory.models import StockLevel, StockMovement, Warehouse
from tests.catalog.factories import VariantFactory
from tests.inventory.factories import WarehouseFactory

ENDPOINTS = [
    ("get", "/api/v1/warehouses"),
    ("post", "/api/v1/warehouses"),
    ("get", "/api/v1/inventory"),
    ("post", "/api/v1/inventory/adjust"),
    ("get", "/api/v1/inventory/movements"),
]


def error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_staff_only(db, api_client, user_client, method, path):
    error(getattr(api_client, method)(path, {}, format="json"), 401, "not_authenticated")
    error(getattr(user_client, method)(path, {}, format="json"), 403, "permission_denied")


def test_warehouses_create_and_list(staff_client):
    response = staff_client.post(
        "/api/v1/warehouses", {"code": "MAIN", "name": "Main", "priority": 10}, format="json"
    )
    assert response.status_code == 201
    created = response.json()
    assert created == {
        "id": created["id"],
        "code": "MAIN",
        "name": "Main",
        "priority": 10,
        "active": True,
    }
    staff_client.post("/api/v1/warehouses/", {"code": "EAST", "name": "East"}, format="json")
    body = staff_client.get("/api/v1/warehouses/").json()
    assert body["count"] == 2 and body["next"] is None
    assert [(w["code"], w["priority"]) for w in body["results"]] == [("MAIN", 10), ("EAST", 100)]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "No code"}, "code"),
        ({"code": "", "name": "Blank"}, "code"),
        ({"code": "MAIN", "name": "Dup"}, "code"),
        ({"code": "X"}, "name"),
        ({"code": "X", "name": "X", "priority": "high"}, "priority"),
        ({"code": "X", "name": "X", "active": "maybe"}, "active"),
        ({"code": "X" * 33, "name": "X"}, "code"),
    ],
)
def test_warehouse_bad_input(staff_client, payload, field):
    WarehouseFactory(code="MAIN")
    err = error(staff_client.post("/api/v1/warehouses", payload, format="json"), 400, "invalid")
    assert field in err["details"]
    assert Warehouse.objects.count() == 1


def test_malformed_json_is_invalid(staff_client):
    response = staff_client.post(
        "/api/v1/inventory/adjust", data="{oops", content_type="application/json"
    )
    error(response, 400, "invalid")


@pytest.fixture
def stock(db, warehouse, east):
    a, b = VariantFactory(), VariantFactory()
    for variant in (a, b):
        for wh in (warehouse, east):
            services.stock_adjust(variant_id=variant.id, warehouse_id=wh.id, delta=5, reason="")
    services.reservation_create(order_id=uuid.uuid4(), lines=[(a.id, 2)])
    return a, b


def test_inventory_list_and_filters(staff_client, stock, warehouse):
    a, b = stock
    body = staff_client.get("/api/v1/inventory").json()
    assert body["count"] == 4
    body = staff_client.get(
        "/api/v1/inventory", {"variant_id": str(a.id), "warehouse_id": str(warehouse.id)}
    ).json()
    assert body["results"] == [
        {
            "variant_id": str(a.id),
            "warehouse_id": str(warehouse.id),
            "quantity": 5,
            "reserved": 2,
            "available": 3,
        }
    ]
    assert staff_client.get("/api/v1/inventory/", {"variant_id": str(b.id)}).json()["count"] == 2


@pytest.mark.parametrize("path", ["/api/v1/inventory", "/api/v1/inventory/movements"])
@pytest.mark.parametrize("param", ["variant_id", "warehouse_id"])
def test_list_filters_reject_bad_ids(staff_client, path, param):
    err = error(staff_client.get(path, {param: "nope"}), 400, "invalid")
    assert param in err["details"]


def test_adjust_answers_the_level_and_writes_an_adjustment(staff_client, stock, warehouse):
    a, _ = stock
    response = staff_client.post(
        "/api/v1/inventory/adjust",
        {"variant_id": str(a.id), "warehouse_id": str(warehouse.id), "delta": 4, "reason": "count"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "variant_id": str(a.id),
        "warehouse_id": str(warehouse.id),
        "quantity": 9,
        "reserved": 2,
        "available": 7,
    }
    movement = StockMovement.objects.filter(variant_id=a.id).order_by("-created_at").first()
    assert (movement.kind, movement.quantity_delta, movement.reason) == ("adjustment", 4, "count")


def test_adjust_below_reserved_is_conflict(staff_client, stock, warehouse):
    a, _ = stock
    response = staff_client.post(
        "/api/v1/inventory/adjust",
        {"variant_id": str(a.id), "warehouse_id": str(warehouse.id), "delta": -4, "reason": ""},
        format="json",
    )
    error(response, 409, "conflict")
    assert StockLevel.objects.get(variant_id=a.id, warehouse=warehouse).quantity == 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"variant_id": str(uuid.uuid4())}, "variant_id"),
        ({"warehouse_id": str(uuid.uuid4())}, "warehouse_id"),
        ({"variant_id": "abc"}, "variant_id"),
        ({"warehouse_id": None}, "warehouse_id"),
        ({"delta": 0}, "delta"),
        ({"delta": 1.5}, "delta"),
        ({"delta": "3"}, "delta"),
        ({"delta": True}, "delta"),
        ({"delta": None}, "delta"),
        ({"reason": "x" * 256}, "reason"),
    ],
)
def test_adjust_bad_input(staff_client, stock, warehouse, change, field):
    a, _ = stock
    before = StockMovement.objects.count()
    payload = {"variant_id": str(a.id), "warehouse_id": str(warehouse.id), "delta": 2} | change
    err = error(
        staff_client.post("/api/v1/inventory/adjust", payload, format="json"), 400, "invalid"
    )
    assert field in err["details"]
    assert StockMovement.objects.count() == before


def test_adjust_past_the_largest_quantity_is_400_not_a_database_error(staff_client, warehouse):
    variant = VariantFactory()
    payload = {"variant_id": str(variant.id), "warehouse_id": str(warehouse.id), "delta": 2**31 - 1}
    assert staff_client.post("/api/v1/inventory/adjust", payload, format="json").status_code == 200
    err = error(
        staff_client.post("/api/v1/inventory/adjust", payload | {"delta": 1}, format="json"),
        400,
        "invalid",
    )
    assert "delta" in err["details"]
    assert StockLevel.objects.get(variant_id=variant.id).quantity == 2**31 - 1
    assert StockMovement.objects.filter(variant_id=variant.id).count() == 1


def test_adjust_idempotency_key_replays_and_conflicts(staff_client, stock, warehouse):
    a, _ = stock
    payload = {"variant_id": str(a.id), "warehouse_id": str(warehouse.id), "delta": 3}
    first = staff_client.post(
        "/api/v1/inventory/adjust", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = staff_client.post(
        "/api/v1/inventory/adjust", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert StockMovement.objects.filter(variant_id=a.id, quantity_delta=3).count() == 1
    assert StockLevel.objects.get(variant_id=a.id, warehouse=warehouse).quantity == 8

    other = staff_client.post(
        "/api/v1/inventory/adjust",
        payload | {"delta": 4},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    error(other, 409, "idempotency_conflict")
    assert other.json()["error"]["details"] == {"reason": "body_mismatch"}
    assert StockLevel.objects.get(variant_id=a.id, warehouse=warehouse).quantity == 8


def test_adjust_refused_with_a_key_is_not_replayed_so_the_retry_applies(
    staff_client, stock, warehouse
):
    a, _ = stock
    payload = {"variant_id": str(a.id), "warehouse_id": str(warehouse.id), "delta": -7}

    def adjust():
        return staff_client.post(
            "/api/v1/inventory/adjust", payload, format="json", HTTP_IDEMPOTENCY_KEY="w-1"
        )

    error(adjust(), 409, "conflict")  # 5 units, 2 reserved: cannot write off 7
    staff_client.post(
        "/api/v1/inventory/adjust",
        {"variant_id": str(a.id), "warehouse_id": str(warehouse.id), "delta": 4},
        format="json",
    )
    retried = adjust()
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried
    assert retried.json()["quantity"] == 2


def test_movements_list_is_the_ledger(staff_client, stock):
    a, _ = stock
    body = staff_client.get("/api/v1/inventory/movements", {"variant_id": str(a.id)}).json()
    assert body["count"] == 3
    newest = body["results"][0]
    assert set(newest) == {
        "id",
        "variant_id",
        "warehouse_id",
        "kind",
        "quantity_delta",
        "reserved_delta",
        "reason",
        "order_id",
        "created_at",
    }
    assert newest["kind"] == "reservation" and newest["reserved_delta"] == 2
    assert newest["order_id"] is not None
    assert newest["created_at"].endswith("Z")
    assert {m["kind"] for m in body["results"]} == {"reservation", "adjustment"}
    assert staff_client.get("/api/v1/inventory/movements").json()["count"] == 5


@pytest.mark.parametrize(
    "path", ["/api/v1/warehouses", "/api/v1/inventory", "/api/v1/inventory/movements"]
)
def test_list_query_counts_are_pinned(
    staff_client, staff_user, warehouse, path, django_assert_max_num_queries
):
    for _ in range(15):
        variant = VariantFactory()
        services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=5, reason="")
        WarehouseFactory()
    # user lookup (JWT), count, page
    with django_assert_max_num_queries(3):
        response = staff_client.get(path, {"page_size": 10})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 10


def test_pagination_page_size_is_capped(staff_client, warehouse):
    for _ in range(3):
        WarehouseFactory()
    body = staff_client.get("/api/v1/warehouses", {"page_size": 2}).json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]
    body = staff_client.get("/api/v1/warehouses", {"page_size": 1000}).json()
    assert len(body["results"]) == 4


def test_the_schema_documents_each_inventory_operation_once_as_it_answers():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    ours = {p for p in paths if p.startswith(("/api/v1/inventory", "/api/v1/warehouses"))}
    assert ours == {
        "/api/v1/warehouses",
        "/api/v1/inventory",
        "/api/v1/inventory/adjust",
        "/api/v1/inventory/movements",
    }
    for path in ("/api/v1/warehouses", "/api/v1/inventory", "/api/v1/inventory/movements"):
        listed = paths[path]["get"]
        schema = listed["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].startswith("#/components/schemas/Paginated"), path
        assert {"page", "page_size"} <= {p["name"] for p in listed["parameters"]}
    for path in ("/api/v1/inventory", "/api/v1/inventory/movements"):
        filters = {p["name"]: p["schema"] for p in paths[path]["get"]["parameters"]}
        assert (
            filters["variant_id"] == filters["warehouse_id"] == {"type": "string", "format": "uuid"}
        )
    adjust = paths["/api/v1/inventory/adjust"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in adjust["parameters"] if p["in"] == "header"}
    assert {code for code in adjust["responses"] if code < "300"} == {"200"}  # + errors
    assert {c for c in paths["/api/v1/warehouses"]["post"]["responses"] if c < "300"} == {"201"}


def test_adjust_idempotency_keys_are_scoped_per_user(staff_client, stock, warehouse):
    from tests.accounts.factories import UserFactory
    from tests.conftest import bearer_client

    a, _ = stock
    other_staff = bearer_client(UserFactory(is_staff=True))
    payload = {"variant_id": str(a.id), "warehouse_id": str(warehouse.id)}

    def adjust(client, key, delta):
        return client.post(
            "/api/v1/inventory/adjust",
            payload | {"delta": delta},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    assert adjust(staff_client, "k-1", 3).json()["quantity"] == 8
    # The same key and body from another user is that user's own request: applied.
    theirs = adjust(other_staff, "k-1", 3)
    assert theirs.json()["quantity"] == 11 and "Idempotent-Replayed" not in theirs
    replay = adjust(other_staff, "k-1", 3)
    assert replay.json() == theirs.json() and replay["Idempotent-Replayed"] == "true"
    # A key another user sent with a different body is no conflict either.
    assert adjust(other_staff, "k-2", 1).json()["quantity"] == 12
    assert adjust(staff_client, "k-2", 3).json()["quantity"] == 15
    assert StockLevel.objects.get(variant_id=a.id, warehouse=warehouse).quantity == 15
