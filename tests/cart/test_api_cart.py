"""The cart API per API.md: shapes, status codes, headers, If-Match, bad input, Redis down."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from decimal import Decimal

import pytest
import redis as redis_lib
from rest_framework.test import APIClient

from apps.catalog import services as catalog
from apps.catalog.models import Product
from tests.accounts.factories import PASSWORD, UserFactory
from tests.cart.conftest import CART, ITEMS, item_of
from tests.conftest import bearer_client
from tests.promotions.factories import make_coupon

pytestmark = pytest.mark.django_db

COUPON = f"{CART}/coupon"
MERGE = f"{CART}/merge"


def anonymous_cart(client: APIClient) -> str:
    """Start an anonymous cart; later calls of `client` carry its token."""
    token = client.get(CART)["X-Cart-Token"]
    client.credentials(HTTP_X_CART_TOKEN=token)
    return token


def add(client, variant, quantity=1, **headers):
    return client.post(
        ITEMS, {"variant_id": str(variant.id), "quantity": quantity}, format="json", **headers
    )


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


# --- reading and tokens -------------------------------------------------------------------


def test_first_anonymous_call_issues_a_token_in_header_and_body(api_client):
    response = api_client.get(CART)
    assert response.status_code == 200
    body = response.json()
    token = response["X-Cart-Token"]
    assert body == {
        "token": token,
        "version": 0,
        "items": [],
        "coupon_code": None,
        "promotions": [],
        "subtotal": "0.00",
        "discount": "0.00",
        "free_shipping": False,
        "total": "0.00",
    }
    assert response["ETag"] == '"0"'
    assert response["Cache-Control"] == "private, no-store"  # it carries the token
    again = api_client.get(CART, HTTP_X_CART_TOKEN=token)
    assert again["X-Cart-Token"] == token and again.json()["token"] == token


def test_an_unknown_token_starts_a_new_empty_cart_with_a_new_token(api_client, variant):
    stale = "s" * 43
    response = add(api_client, variant, HTTP_X_CART_TOKEN=stale)
    assert response.status_code == 201
    assert response["X-Cart-Token"] != stale
    assert response.json()["token"] == response["X-Cart-Token"]
    assert response.json()["version"] == 1


def test_add_answers_201_with_the_cart_and_the_same_variant_adds_to_its_line(
    api_client, make_variant
):
    variant = make_variant(price="29.99")
    token = anonymous_cart(api_client)
    first = add(api_client, variant, 2)
    assert first.status_code == 201
    assert first["ETag"] == '"1"' and first["X-Cart-Token"] == token
    second = add(api_client, variant, 1)
    assert second.status_code == 201
    body = second.json()
    assert body["version"] == 2
    [item] = body["items"]
    assert item == {
        "id": first.json()["items"][0]["id"],
        "product_id": str(variant.product_id),
        "variant_id": str(variant.id),
        "sku": variant.sku,
        "name": item["name"],
        "quantity": 3,
        "unit_price": "29.99",
        "current_price": "29.99",
        "price_changed": False,
        "line_total": "89.97",
        "available": True,
    }
    assert variant.product.name in item["name"]
    assert (body["subtotal"], body["discount"], body["total"]) == ("89.97", "0.00", "89.97")


def test_price_changed_after_a_catalog_price_change(
    api_client, make_variant, django_capture_on_commit_callbacks
):
    variant = make_variant(price="10.00")
    anonymous_cart(api_client)
    add(api_client, variant, 3)
    # The cart GET prices from the cached product details: a price change through the catalog
    # drops them on commit, so the next GET shows it (one behind the services' back would not).
    with django_capture_on_commit_callbacks(execute=True):
        catalog.product_update(product_id=variant.product_id, base_price=Decimal("12.50"))
    item = item_of(api_client.get(CART).json(), variant)
    assert (item["unit_price"], item["current_price"], item["price_changed"]) == (
        "10.00",
        "12.50",
        True,
    )
    assert item["line_total"] == "37.50"
    assert api_client.get(CART).json()["total"] == "37.50"


def test_an_archived_product_line_is_flagged_and_left_out_of_totals(
    api_client, make_variant, django_capture_on_commit_callbacks
):
    kept, archived = make_variant("4.00"), make_variant("6.00")
    anonymous_cart(api_client)
    add(api_client, kept)
    add(api_client, archived)
    with django_capture_on_commit_callbacks(execute=True):
        catalog.product_archive(product_id=archived.product_id)
    body = api_client.get(CART).json()
    assert item_of(body, archived)["available"] is False
    assert item_of(body, archived)["line_total"] == "0.00"
    assert body["subtotal"] == "4.00"


def test_a_signed_in_user_sending_a_cart_token_neither_reads_nor_writes_that_cart(
    api_client, user_client, make_variant
):
    theirs, mine = make_variant(), make_variant()
    token = anonymous_cart(api_client)
    add(api_client, theirs, 3)

    read = user_client.get(CART, HTTP_X_CART_TOKEN=token)
    assert read.json()["items"] == [] and read.json()["token"] is None
    assert "X-Cart-Token" not in read
    added = add(user_client, mine, 1, HTTP_X_CART_TOKEN=token)
    assert [item["variant_id"] for item in added.json()["items"]] == [str(mine.id)]
    assert user_client.delete(CART, HTTP_X_CART_TOKEN=token).json()["items"] == []

    anonymous = api_client.get(CART)
    assert anonymous["X-Cart-Token"] == token
    assert [(i["variant_id"], i["quantity"]) for i in anonymous.json()["items"]] == [
        (str(theirs.id), 3)
    ]
    assert anonymous.json()["version"] == 1


def test_money_keeps_two_places_however_large_the_total(api_client, make_variant):
    variant = make_variant(price="9999999999.99", stock=99)
    anonymous_cart(api_client)
    body = add(api_client, variant, 99).json()
    assert item_of(body, variant)["line_total"] == "989999999999.01"
    assert (body["subtotal"], body["total"]) == ("989999999999.01", "989999999999.01")


def test_the_schema_documents_every_cart_answer_as_the_cart(db):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    cart = {"$ref": "#/components/schemas/Cart"}
    expected = {
        ("/api/v1/cart", "get"): "200",
        ("/api/v1/cart", "delete"): "200",
        ("/api/v1/cart/items", "post"): "201",
        ("/api/v1/cart/items/{item_id}", "put"): "200",
        ("/api/v1/cart/items/{item_id}", "delete"): "200",
        ("/api/v1/cart/coupon", "post"): "200",
        ("/api/v1/cart/coupon", "delete"): "200",
        ("/api/v1/cart/merge", "post"): "200",
    }
    documented = {
        (path, method): operation["responses"]
        for path, operations in paths.items()
        if path.startswith("/api/v1/cart")
        for method, operation in operations.items()
        if method != "parameters"
    }
    assert set(documented) == set(expected)
    error = {"$ref": "#/components/schemas/Error"}
    for operation, status in expected.items():
        responses = documented[operation]
        assert {code for code in responses if code < "300"} == {status}, operation
        assert responses[status]["content"]["application/json"]["schema"] == cart, operation
        errors = {code for code in responses if code >= "400"}
        assert {"429", "503"} <= errors, operation  # throttled; Redis down
        if operation[1] != "get":
            assert {"400", "409", "412"} <= errors, operation  # bad input, stock, If-Match
        if "{item_id}" in operation[0]:
            assert "404" in errors, operation
        for code in errors:
            assert responses[code]["content"]["application/json"]["schema"] == error


def test_signed_in_users_need_no_token(user_client, variant):
    response = add(user_client, variant, 2)
    assert response.status_code == 201
    assert "X-Cart-Token" not in response
    assert response.json()["token"] is None
    # A token sent by a signed-in client does not switch carts.
    other = user_client.get(CART, HTTP_X_CART_TOKEN="z" * 43)
    assert item_of(other.json(), variant)["quantity"] == 2


@pytest.mark.parametrize("lines", [1, 6])
def test_get_cart_makes_no_query_once_the_catalog_is_cached_whatever_the_lines(
    api_client, make_variant, django_assert_num_queries, lines
):
    anonymous_cart(api_client)
    for _ in range(lines):
        add(api_client, make_variant())  # the adds cached the details and the promotions
    with django_assert_num_queries(0):
        response = api_client.get(CART)
    assert len(response.json()["items"]) == lines
    catalog.product_cache_invalidate(  # the details dropped: read back in four queries
        [item["product_id"] for item in response.json()["items"]]
    )
    with django_assert_num_queries(4):  # products, attributes, images, variants: all lines
        assert len(api_client.get(CART).json()["items"]) == lines


def test_get_cart_of_a_signed_in_user_adds_only_the_user_lookup(
    user_client, make_variant, django_assert_num_queries
):
    for _ in range(4):
        add(user_client, make_variant())
    with django_assert_num_queries(2):  # the JWT's user, the promotions with its use counts
        response = user_client.get(CART)
    assert len(response.json()["items"]) == 4


# --- mutations ----------------------------------------------------------------------------


def test_put_sets_the_quantity_and_zero_removes(api_client, variant):
    anonymous_cart(api_client)
    item_id = add(api_client, variant).json()["items"][0]["id"]
    response = api_client.put(f"{ITEMS}/{item_id}", {"quantity": 7}, format="json")
    assert response.status_code == 200
    assert response.json()["items"][0]["quantity"] == 7
    assert response["ETag"] == '"2"'
    removed = api_client.put(f"{ITEMS}/{item_id}/", {"quantity": 0}, format="json")
    assert removed.status_code == 200
    assert removed.json()["items"] == [] and removed.json()["version"] == 3


def test_delete_item_and_delete_cart_answer_200_with_the_cart(api_client, make_variant):
    first, second = make_variant(), make_variant()
    anonymous_cart(api_client)
    add(api_client, first)
    item_id = item_of(add(api_client, second).json(), second)["id"]
    make_coupon("SPRING")
    assert api_client.post(COUPON, {"code": "spring"}, format="json").status_code == 200

    response = api_client.delete(f"{ITEMS}/{item_id}")
    assert response.status_code == 200
    assert [item["variant_id"] for item in response.json()["items"]] == [str(first.id)]

    emptied = api_client.delete(CART)
    assert emptied.status_code == 200
    assert emptied.json()["items"] == [] and emptied.json()["coupon_code"] is None
    assert emptied.json()["version"] == 5
    assert api_client.delete(f"{CART}/").status_code == 200


def test_coupon_post_and_delete(api_client, make_variant):
    coupon = make_coupon("Spring-24", name="Spring", type="fixed", value=Decimal("5.00"))
    anonymous_cart(api_client)
    add(api_client, make_variant("12.00"), 2)
    response = api_client.post(COUPON, {"code": "spring-24"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["coupon_code"] == "SPRING-24"
    assert body["promotions"] == [
        {"id": str(coupon.id), "name": "Spring", "applied": True, "reason": None, "amount": "5.00"}
    ]
    assert (body["subtotal"], body["discount"], body["total"]) == ("24.00", "5.00", "19.00")
    assert body["free_shipping"] is False
    removed = api_client.delete(COUPON, {"code": "spring-24"}, format="json")
    assert removed.status_code == 200
    assert removed.json()["coupon_code"] is None and removed.json()["promotions"] == []
    assert removed.json()["discount"] == "0.00"
    assert api_client.delete(COUPON).status_code == 200  # no body, no coupon: still fine


def test_an_unknown_coupon_is_400_invalid_coupon_with_the_reason(api_client, variant):
    anonymous_cart(api_client)
    add(api_client, variant)
    error = assert_error(
        api_client.post(COUPON, {"code": "Spring-24"}, format="json"), 400, "invalid_coupon"
    )
    assert error["details"] == {"reason": "unknown", "code": "SPRING-24"}
    body = api_client.get(CART).json()
    assert (body["version"], body["coupon_code"], body["promotions"]) == (1, None, [])


def test_trailing_slashes_answer_too(api_client, variant):
    anonymous_cart(api_client)
    assert api_client.get(f"{CART}/").status_code == 200
    response = api_client.post(
        f"{ITEMS}/", {"variant_id": str(variant.id), "quantity": 1}, format="json"
    )
    assert response.status_code == 201
    make_coupon("A")
    assert api_client.post(f"{COUPON}/", {"code": "A"}, format="json").status_code == 200


# --- If-Match -----------------------------------------------------------------------------


@pytest.mark.parametrize("if_match", ['"1"', "1", 'W/"1"', "*"])
def test_if_match_accepts_quoted_bare_weak_and_any(api_client, variant, if_match):
    anonymous_cart(api_client)
    add(api_client, variant)
    response = add(api_client, variant, HTTP_IF_MATCH=if_match)
    assert response.status_code == 201
    assert response.json()["version"] == 2


def test_if_match_mismatch_answers_412_on_every_mutation_and_changes_nothing(api_client, variant):
    anonymous_cart(api_client)
    item_id = add(api_client, variant).json()["items"][0]["id"]
    add(api_client, variant)  # version 2
    stale = {"HTTP_IF_MATCH": '"1"'}
    calls = [
        lambda: add(api_client, variant, **stale),
        lambda: api_client.put(f"{ITEMS}/{item_id}", {"quantity": 5}, format="json", **stale),
        lambda: api_client.delete(f"{ITEMS}/{item_id}", **stale),
        lambda: api_client.delete(CART, **stale),
        lambda: api_client.post(COUPON, {"code": "X"}, format="json", **stale),
        lambda: api_client.delete(COUPON, **stale),
    ]
    for call in calls:
        error = assert_error(call(), 412, "version_mismatch")
        assert error["details"] == {"current_version": 2}
    body = api_client.get(CART).json()
    assert (body["version"], body["items"][0]["quantity"], body["coupon_code"]) == (2, 2, None)


def test_merge_with_a_stale_if_match_answers_412(user_client, api_client, variant):
    token = anonymous_cart(api_client)
    add(api_client, variant)
    add(user_client, variant)
    response = user_client.post(MERGE, {"cart_token": token}, format="json", HTTP_IF_MATCH='"0"')
    assert assert_error(response, 412, "version_mismatch")["details"] == {"current_version": 1}
    assert len(api_client.get(CART).json()["items"]) == 1  # the anonymous cart is untouched


@pytest.mark.parametrize("if_match", ['"abc"', "-1", '"1', "1.0", ""])
def test_a_malformed_if_match_is_400(api_client, variant, if_match):
    anonymous_cart(api_client)
    error = assert_error(add(api_client, variant, HTTP_IF_MATCH=if_match), 400, "invalid")
    assert "If-Match" in error["details"]
    assert api_client.get(CART).json()["version"] == 0


# --- bad input, per endpoint --------------------------------------------------------------


def test_add_bad_input_is_400_invalid_naming_the_field_and_writes_nothing(
    api_client, make_variant, settings
):
    settings.CART_MAX_LINE_QUANTITY = 10
    variant = make_variant()
    draft = make_variant(product__status=Product.Status.DRAFT)
    anonymous_cart(api_client)
    cases = [
        ({}, {"variant_id", "quantity"}),
        ({"variant_id": str(variant.id)}, {"quantity"}),
        ({"variant_id": "nope", "quantity": 1}, {"variant_id"}),
        ({"variant_id": str(uuid.uuid4()), "quantity": 1}, {"variant_id"}),
        ({"variant_id": str(draft.id), "quantity": 1}, {"variant_id"}),
        ({"variant_id": str(variant.id), "quantity": 0}, {"quantity"}),
        ({"variant_id": str(variant.id), "quantity": -3}, {"quantity"}),
        ({"variant_id": str(variant.id), "quantity": 11}, {"quantity"}),
        ({"variant_id": str(variant.id), "quantity": "many"}, {"quantity"}),
        ({"variant_id": str(variant.id), "quantity": 1.5}, {"quantity"}),
        # JSON integers only, as in every write of the API: no coercion of other types.
        ({"variant_id": str(variant.id), "quantity": "2"}, {"quantity"}),
        ({"variant_id": str(variant.id), "quantity": 2.0}, {"quantity"}),
        ({"variant_id": str(variant.id), "quantity": True}, {"quantity"}),
        ({"variant_id": str(variant.id), "quantity": None}, {"quantity"}),
        ({"variant_id": str(variant.id), "quantity": 10**30}, {"quantity"}),
    ]
    for body, fields in cases:
        error = assert_error(api_client.post(ITEMS, body, format="json"), 400, "invalid")
        assert set(error["details"]) == fields, body
    add(api_client, variant, 10)
    error = assert_error(add(api_client, variant, 1), 400, "invalid")
    assert "quantity" in error["details"]
    assert api_client.get(CART).json()["version"] == 1


def test_malformed_json_is_400_invalid(api_client):
    response = api_client.post(ITEMS, data="{not json", content_type="application/json")
    assert_error(response, 400, "invalid")


def test_add_more_than_available_is_409_insufficient_stock(api_client, make_variant):
    variant = make_variant(stock=3)
    anonymous_cart(api_client)
    add(api_client, variant, 2)
    error = assert_error(add(api_client, variant, 2), 409, "insufficient_stock")
    assert error["details"] == {
        "items": [{"variant_id": str(variant.id), "requested": 4, "available": 3}]
    }
    assert item_of(api_client.get(CART).json(), variant)["quantity"] == 2


def test_put_bad_input(api_client, make_variant):
    variant = make_variant(stock=5)
    anonymous_cart(api_client)
    item_id = add(api_client, variant).json()["items"][0]["id"]
    url = f"{ITEMS}/{item_id}"
    bodies = [
        {},
        {"quantity": -1},
        {"quantity": 100},
        {"quantity": "x"},
        {"quantity": "3"},
        {"quantity": 3.0},
        {"quantity": 1.5},
        {"quantity": True},
        {"quantity": False},
    ]
    for body in bodies:
        error = assert_error(api_client.put(url, body, format="json"), 400, "invalid")
        assert "quantity" in error["details"]
    error = assert_error(
        api_client.put(url, {"quantity": 6}, format="json"), 409, "insufficient_stock"
    )
    assert error["details"]["items"][0]["requested"] == 6
    unknown = f"{ITEMS}/{uuid.uuid4()}"
    assert_error(api_client.put(unknown, {"quantity": 1}, format="json"), 404, "not_found")
    assert_error(
        api_client.put(f"{ITEMS}/not-a-uuid", {"quantity": 1}, format="json"), 404, "not_found"
    )
    assert api_client.get(CART).json()["version"] == 1


def test_delete_unknown_item_is_404(api_client, variant):
    anonymous_cart(api_client)
    add(api_client, variant)
    assert_error(api_client.delete(f"{ITEMS}/{uuid.uuid4()}"), 404, "not_found")
    assert api_client.get(CART).json()["version"] == 1


def test_an_item_of_another_cart_is_not_found(api_client, user_client, variant):
    item_id = add(user_client, variant).json()["items"][0]["id"]
    anonymous_cart(api_client)
    assert_error(api_client.delete(f"{ITEMS}/{item_id}"), 404, "not_found")
    assert len(user_client.get(CART).json()["items"]) == 1


@pytest.mark.parametrize(
    "body", [{}, {"code": ""}, {"code": "   "}, {"code": "x" * 51}, {"code": "two words"}]
)
def test_coupon_bad_input_is_400_invalid(api_client, body):
    anonymous_cart(api_client)
    error = assert_error(api_client.post(COUPON, body, format="json"), 400, "invalid")
    assert "code" in error["details"]
    assert api_client.get(CART).json()["version"] == 0


def test_merge_needs_a_signed_in_user_and_a_token(api_client, user_client):
    assert_error(
        api_client.post(MERGE, {"cart_token": "a" * 43}, format="json"), 401, "not_authenticated"
    )
    for body in ({}, {"cart_token": ""}, {"cart_token": "short"}, {"cart_token": "x" * 101}):
        error = assert_error(user_client.post(MERGE, body, format="json"), 400, "invalid")
        assert "cart_token" in error["details"]


def test_wrong_method_is_405(api_client):
    assert_error(api_client.patch(CART, {}, format="json"), 405, "method_not_allowed")


# --- merge --------------------------------------------------------------------------------


def test_merge_endpoint_sums_lines_and_the_token_then_starts_a_new_cart(
    api_client, user, user_client, make_variant
):
    shared, anon_only = make_variant(), make_variant()
    token = anonymous_cart(api_client)
    add(api_client, shared, 2)
    add(api_client, anon_only, 1)
    add(user_client, shared, 3)

    response = user_client.post(MERGE, {"cart_token": token}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert {item["variant_id"]: item["quantity"] for item in body["items"]} == {
        str(shared.id): 5,
        str(anon_only.id): 1,
    }
    assert body["token"] is None and response["ETag"] == f'"{body["version"]}"'

    after = api_client.get(CART)
    assert after["X-Cart-Token"] != token
    assert after.json()["items"] == []


def test_login_with_a_cart_token_merges_the_anonymous_cart(api_client, variant):
    user = UserFactory()
    token = anonymous_cart(api_client)
    add(api_client, variant, 4)

    login = APIClient().post(
        "/api/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        format="json",
        HTTP_X_CART_TOKEN=token,
    )
    assert login.status_code == 200, login.content

    cart = bearer_client(user).get(CART).json()
    assert item_of(cart, variant)["quantity"] == 4
    assert api_client.get(CART)["X-Cart-Token"] != token


def test_login_still_works_when_the_cart_cannot_be_merged(api_client, variant, settings):
    user = UserFactory()
    token = anonymous_cart(api_client)
    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"
    login = APIClient().post(
        "/api/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        format="json",
        HTTP_X_CART_TOKEN=token,
    )
    assert login.status_code == 200
    assert "access" in login.json()


# --- Redis down ---------------------------------------------------------------------------


def test_redis_down_answers_503_on_cart_endpoints_and_nothing_else_breaks(
    api_client, user_client, variant, settings
):
    token = anonymous_cart(api_client)
    healthy = settings.CART_REDIS_URL
    settings.CART_REDIS_URL = "redis://127.0.0.1:1/0"
    calls = [
        lambda: api_client.get(CART),
        lambda: add(api_client, variant),
        lambda: APIClient().get(CART),  # a new visitor: no token can be issued either
        lambda: add(user_client, variant),
        lambda: user_client.get(CART),
        lambda: user_client.put(f"{ITEMS}/{uuid.uuid4()}", {"quantity": 1}, format="json"),
        lambda: user_client.delete(CART),
        lambda: user_client.post(COUPON, {"code": "X"}, format="json"),
        lambda: user_client.post(MERGE, {"cart_token": token}, format="json"),
    ]
    for call in calls:
        assert_error(call(), 503, "service_unavailable")
    assert api_client.get("/health/live").status_code == 200
    assert user_client.get("/api/v1/me").status_code == 200
    assert APIClient().get(f"/api/v1/products/{variant.product_id}").status_code == 200

    settings.CART_REDIS_URL = healthy  # Redis is back: the cart is as it was before the outage
    assert add(api_client, variant).json()["version"] == 1  # nothing was half-written


@pytest.fixture
def full_redis():
    """A real Redis that refuses every write: maxmemory 1 byte, no eviction."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--maxmemory", "1", "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis_lib.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis_lib.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "the test Redis did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_redis_out_of_memory_answers_503_and_changes_nothing(
    user_client, variant, settings, full_redis
):
    settings.CART_REDIS_URL = full_redis
    assert_error(add(user_client, variant), 503, "service_unavailable")
    assert (
        redis_lib.Redis.from_url(full_redis).keys("cart:*") == []
    )  # (throttle logs live here too)
