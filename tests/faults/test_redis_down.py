"""Redis unreachable (carts, cache and rate limits on a loopback port where nothing listens):
the cart answers 503 `service_unavailable` in the error body; catalog and order reads keep
working from PostgreSQL; and no endpoint of the API, nor any page beside it, answers a 500.

The walk covers every operation of the OpenAPI schema (so a new endpoint is walked without
editing this file), as an anonymous client, a customer and staff, with real ids in the path.
"""

from __future__ import annotations

import re
import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.accounts.services import address_create
from apps.promotions.services import promotion_create
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CategoryFactory, product_via_services
from tests.conftest import bearer_client
from tests.orders.conftest import ADDRESS
from tests.support.processes import closed_port

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

API = "/api/v1"
OUTSIDE_API = ["/health/live", "/health/ready", "/metrics", "/api/schema/", "/admin/login/"]


def _cut_redis(settings) -> str:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CART_REDIS_URL = url
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }
    return url


@pytest.fixture
def redis_down(settings):
    return _cut_redis(settings)


@pytest.fixture
def shop_data(place, pay, warehouse):
    """A catalog, a customer with an address and a paid order, staff, a promotion: made while
    Redis is up (the cart is in Redis), so the walk meets real ids."""
    customer, staff = UserFactory(), UserFactory(is_staff=True)
    category = CategoryFactory()
    _variant, placed = place(customer)
    pay(placed)
    product = product_via_services(category=category, base_price="12.00")
    address = address_create(user_id=customer.id, data={"type": "shipping", **ADDRESS})
    promotion = promotion_create(name="Ten", type="percentage", value="10", code="TEN")
    return {
        "customer": customer,
        "staff": staff,
        "ids": {
            "product_id": str(product.id),
            "category_id": str(category.id),
            "order_id": str(placed.order.id),
            "intent_id": placed.intent_id,
            "id": str(address.id),
            "promotion_id": str(promotion.id),
            "item_id": str(uuid.uuid4()),
            # No return exists (a return needs a delivered order): its paths answer 404.
            "return_id": str(uuid.uuid4()),
        },
        "variant_id": str(product.variants.get().id),
    }


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        assert match.group(1) in ids, f"no id for {{{match.group(1)}}} in {path}: add one"
        return ids[match.group(1)]

    return re.sub(r"\{(\w+)\}", value, path)


# An outside failure may answer 502 `payment_unavailable` (the dummy provider keeps its
# intents in Redis) or 503 `service_unavailable`, always in the error body; never a 500.
OUTSIDE_FAILURES = {502: "payment_unavailable", 503: "service_unavailable"}


def _assert_no_server_fault(response, where: str) -> None:
    status = response.status_code
    assert status < 500 or status in OUTSIDE_FAILURES, (where, status, response.content[:300])
    if status >= 500 and API in where:
        assert response.json()["error"]["code"] == OUTSIDE_FAILURES[status], where


def test_with_redis_down_the_cart_answers_503_and_catalog_and_orders_still_read(
    shop_data, redis_down, api_client
):
    customer = bearer_client(shop_data["customer"])
    ids = shop_data["ids"]

    for method, path, body in (
        ("get", "cart", None),
        ("post", "cart/items", {"variant_id": shop_data["variant_id"], "quantity": 1}),
        ("put", f"cart/items/{ids['item_id']}", {"quantity": 2}),
        ("delete", f"cart/items/{ids['item_id']}", None),
        ("post", "cart/coupon", {"code": "TEN"}),
        ("delete", "cart/coupon", None),
        ("delete", "cart", None),
    ):
        for client in (api_client, customer):
            response = getattr(client, method)(f"{API}/{path}", body, format="json")
            assert response.status_code == 503, (method, path, response.content)
            error = response.json()["error"]
            assert error["code"] == "service_unavailable" and error["details"] == {}, error

    for path in (
        "products",
        f"products/{ids['product_id']}",
        f"products?category={ids['category_id']}&ordering=-price",
        "categories",
        f"categories/{ids['category_id']}",
        f"categories/{ids['category_id']}/products",
        "brands",
        f"products/{ids['product_id']}/reviews",
        "search?q=product",
        "search/suggest?q=pro",
        "shipping-methods",
    ):
        response = api_client.get(f"{API}/{path}")
        assert response.status_code == 200, (path, response.content[:300])

    orders = customer.get(f"{API}/orders")
    assert orders.status_code == 200 and orders.json()["count"] == 1, orders.content
    detail = customer.get(f"{API}/orders/{ids['order_id']}")
    assert detail.status_code == 200 and detail.json()["status"] == "paid", detail.content
    assert customer.get(f"{API}/me").status_code == 200

    ready = api_client.get("/health/ready")
    assert ready.status_code == 503


def test_with_redis_down_no_endpoint_answers_a_500(shop_data, redis_down, api_client):
    clients = {
        "anonymous": api_client,
        "customer": bearer_client(shop_data["customer"]),
        "staff": bearer_client(shop_data["staff"]),
    }
    operations = _operations()
    assert len(operations) > 50  # the whole API, not a few paths
    # Reads first, then writes; deletes last, so a delete does not turn later calls into 404s.
    order = {"get": 0, "post": 1, "put": 1, "patch": 1, "delete": 2}
    operations.sort(key=lambda op: order[op[1]])
    walked = 0
    for path, method in operations:
        url = _fill(path, shop_data["ids"])
        for who, client in clients.items():
            response = getattr(client, method)(url, {}, format="json")
            _assert_no_server_fault(response, f"{method.upper()} {url} as {who}")
            walked += 1
    for path in OUTSIDE_API:
        for who, client in clients.items():
            _assert_no_server_fault(client.get(path), f"GET {path} as {who}")
    assert walked == 3 * len(operations)


def test_with_redis_down_the_stripe_webhook_still_pays_the_order(
    stripe_double, place, settings, django_capture_on_commit_callbacks
):
    """Stripe's webhook needs only PostgreSQL: with Redis gone it verifies, applies and
    answers 200, and the order is paid (cache invalidations fail quietly, carts are not
    touched)."""
    from rest_framework.test import APIClient

    from apps.orders.models import Order
    from tests.payments.stripe_double import WEBHOOK_SECRET, webhook_post

    customer = UserFactory()
    _variant, placed = place(customer)  # before the outage: the cart lives in Redis
    assert placed.provider == "stripe"
    _cut_redis(settings)
    stripe_double.intent_succeed(placed.intent_id)
    (event,) = stripe_double.events_of("payment_intent.succeeded")

    with django_capture_on_commit_callbacks(execute=True):  # the outbox relay, as on commit
        response = webhook_post(APIClient(), event, WEBHOOK_SECRET)

    assert response.status_code == 200, response.content
    assert response.json()["result"] == "applied"
    assert Order.objects.get(id=placed.order.id).status == "paid"
