"""The cart's anonymous fast paths (apps.cart.api.views, without DRF): the add answers as
the DRF view in every case, in one Redis round trip for a known token, and leaves what it
does not take to the DRF view; neither the add nor the GET creates a cart when throttled."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
import redis as redis_lib
from django.conf import settings
from django.test import RequestFactory
from rest_framework.test import APIClient

from apps.cart import services
from apps.cart.api.views import CartItemCreateView
from apps.catalog.models import Product
from shop.redis import redis_client
from tests.cart.conftest import CART, ITEMS

pytestmark = pytest.mark.django_db

UNKNOWN_TOKEN = "u" * 43  # the shape of a token, never issued


def _anonymous_carts() -> set[bytes]:
    return set(redis_client().scan_iter(match="cart:anon:*"))


def _known_token() -> str:
    return APIClient().get(CART)["X-Cart-Token"]


def _outcome(response, sent: str | None, carts_before: set[bytes]) -> dict:
    """What a client sees, with the tokens named by role (sent / new / none)."""

    def role(token):
        if token is None:
            return None
        return "sent" if token == sent else "new"

    body = json.loads(response.content)
    if "token" in body:
        body["token"] = role(body["token"])
        for item in body["items"]:
            item.pop("id")
    created = _anonymous_carts() - carts_before
    return {
        "status": response.status_code,
        "body": body,
        "etag": response.get("ETag"),
        "token": role(response.get("X-Cart-Token")),
        "cache_control": response.get("Cache-Control"),
        "content_type": response["Content-Type"],
        "carts_created": len(created),
    }


def _headers(token, if_match) -> dict:
    headers = {"X-Cart-Token": token, "If-Match": if_match}
    return {name: value for name, value in headers.items() if value is not None}


def _through_fast_path(token, body, if_match=None):
    return APIClient().post(ITEMS, body, format="json", headers=_headers(token, if_match))


def _through_drf_view(token, body, if_match=None):
    headers = _headers(token, if_match)
    request = RequestFactory().post(ITEMS, body, content_type="application/json", headers=headers)
    response = CartItemCreateView.as_view()(request)
    response.render()
    return response


def _scenarios(make_variant):
    in_stock = make_variant("12.50", stock=5)
    archived = make_variant("3.00", stock=5)
    Product.objects.filter(pk=archived.product_id).update(status=Product.Status.ARCHIVED)

    def body(variant, quantity=1):
        return {"variant_id": str(variant.id), "quantity": quantity}

    def known(lines=()):
        token = _known_token()
        for variant, quantity in lines:
            owner = services.CartOwner.for_token(token)
            services.cart_line_add(owner=owner, variant_id=variant.id, quantity=quantity)
        return token

    # name: (a token for the request (made anew for each path), body, If-Match)
    return {
        "no token": (lambda: None, body(in_stock), None),
        "known token": (lambda: known([(in_stock, 1)]), body(in_stock, 2), None),
        "unknown token": (lambda: UNKNOWN_TOKEN, body(in_stock), None),
        "malformed token": (lambda: "not-a-token", body(in_stock), None),
        "known, If-Match equal": (lambda: known([(in_stock, 1)]), body(in_stock), '"1"'),
        "known, If-Match stale": (lambda: known([(in_stock, 1)]), body(in_stock), '"7"'),
        "unknown, If-Match": (lambda: UNKNOWN_TOKEN, body(in_stock), "3"),
        "known, too many": (lambda: known([(in_stock, 4)]), body(in_stock, 2), None),
        "no token, too many": (lambda: None, body(in_stock, 6), None),
        "known, archived": (lambda: known(), body(archived), None),
        "no token, unknown variant": (
            lambda: None,
            {"variant_id": str(uuid.uuid4()), "quantity": 1},
            None,
        ),
        "known, unknown variant": (
            lambda: known(),
            {"variant_id": str(uuid.uuid4()), "quantity": 1},
            None,
        ),
    }


def test_every_outcome_is_the_drf_views_outcome(make_variant):
    scenarios = _scenarios(make_variant)
    for name, (token_for, body, if_match) in scenarios.items():
        outcomes = []
        for send in (_through_fast_path, _through_drf_view):
            token = token_for()
            before = _anonymous_carts()
            outcomes.append(_outcome(send(token, body, if_match), token, before))
        fast, drf = outcomes
        assert fast == drf, name


def test_the_outcomes_are_the_documented_ones(make_variant):
    """Not only equal to the DRF view's: right (a regression in both would pass the above)."""
    scenarios = _scenarios(make_variant)
    expected = {
        "no token": (201, "new", 1),
        "known token": (201, "sent", 0),
        "unknown token": (201, "new", 1),
        "malformed token": (201, "new", 1),
        "known, If-Match equal": (201, "sent", 0),
        "known, If-Match stale": (412, "sent", 0),
        "unknown, If-Match": (412, None, 0),  # a new cart is at version 0: nothing created
        "known, too many": (409, "sent", 0),
        "no token, too many": (409, None, 0),
        "known, archived": (400, "sent", 0),
        "no token, unknown variant": (400, None, 0),
        "known, unknown variant": (400, "sent", 0),
    }
    for name, (token_for, body, if_match) in scenarios.items():
        token = token_for()
        before = _anonymous_carts()
        outcome = _outcome(_through_fast_path(token, body, if_match), token, before)
        assert (outcome["status"], outcome["token"], outcome["carts_created"]) == expected[name], (
            name
        )
        assert outcome["cache_control"] == "private, no-store", name
        if outcome["status"] == 201:
            assert outcome["etag"] == f'"{outcome["body"]["version"]}"', name
            assert outcome["body"]["token"] == outcome["token"], name


def test_a_known_tokens_add_is_one_round_trip_to_the_carts_redis(make_variant, settings):
    settings.THROTTLE_RATES = {}  # the rate limit's own script is a round trip too
    variant = make_variant(stock=10)
    token = _known_token()
    assert _through_fast_path(token, {"variant_id": str(variant.id), "quantity": 1}).status_code
    commands = _commands_sent(
        lambda: _through_fast_path(token, {"variant_id": str(variant.id), "quantity": 1})
    )
    assert commands == ["EVALSHA"]
    # The DRF view (what answers a request the fast path does not take) looks the token up first.
    commands = _commands_sent(
        lambda: _through_drf_view(token, {"variant_id": str(variant.id), "quantity": 1})
    )
    assert commands == ["EXISTS", "EVALSHA"]
    body = APIClient().get(CART, headers={"X-Cart-Token": token}).json()
    assert body["items"][0]["quantity"] == 3


def _commands_sent(call) -> list[str]:
    """The commands clients sent to the carts' database while `call` ran (MONITOR; not the
    ones scripts ran inside Redis)."""
    # A client of its own, so MONITOR does not take a connection of the shop's pool.
    client = redis_lib.Redis.from_url(settings.CART_REDIS_URL)
    database = client.connection_pool.connection_kwargs.get("db", 0)
    seen: list[str] = []
    ready = threading.Event()
    marker = f"end-{uuid.uuid4().hex}"

    def listen():
        with client.monitor() as monitor:
            ready.set()
            for entry in monitor.listen():
                command = entry["command"]
                if marker in command:
                    return
                if entry.get("client_type") != "lua" and int(entry["db"]) == database:
                    seen.append(command.split()[0].upper())

    thread = threading.Thread(target=listen)
    thread.start()
    ready.wait(5)
    try:
        call()
    finally:
        redis_client().echo(marker)  # on the shop's connection: no connection set-up seen
        thread.join(10)
    return seen


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"variant_id": "%s", "quantity": "2"}', "application/json"),  # a string quantity
        ('{"variant_id": "%s", "quantity": true}', "application/json"),
        ('{"variant_id": "%s", "quantity": 100}', "application/json"),  # over the line limit
        ('{"variant_id": "%s"}', "application/json"),
        ('{"variant_id": "%s", "quantity": 1, "x": NaN}', "application/json"),
        ('{"variant_id": "%s", "quantity": 1}', "text/plain"),
        ("[1, 2]", "application/json"),
    ],
)
def test_what_the_fast_path_does_not_take_the_drf_view_explains(variant, body, content_type):
    if "%s" in body:
        body = body % variant.id
    before = _anonymous_carts()
    response = APIClient().post(ITEMS, data=body, content_type=content_type)
    assert response.status_code in (400, 415), response.content
    assert response.json()["error"]["code"] in ("invalid", "unsupported_media_type")
    assert "X-Cart-Token" not in response  # a refused write issues no token
    assert _anonymous_carts() == before


def test_a_malformed_if_match_is_left_to_the_drf_view(variant):
    token = _known_token()
    response = _through_fast_path(token, {"variant_id": str(variant.id), "quantity": 1}, "v1")
    assert response.status_code == 400
    assert "If-Match" in response.json()["error"]["details"]
    assert response["X-Cart-Token"] == token


def test_anonymous_adds_are_rate_limited_and_a_refused_one_counted_once(variant, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "anon": "3/min", "user": "1000/min"}
    client = APIClient()
    body = {"variant_id": str(variant.id), "quantity": 1}
    statuses = [client.post(ITEMS, body, format="json").status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    # The anonymous log holds the three allowed requests only: the refused ones added none.
    [key] = list(redis_client().scan_iter(match="throttle:*anon*"))
    assert redis_client().zcard(key) == 3


def test_a_throttled_cart_get_creates_no_cart(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "anon": "2/min", "user": "1000/min"}
    client = APIClient()
    assert [client.get(CART).status_code for _ in range(2)] == [200, 200]
    before = _anonymous_carts()
    response = client.get(CART)  # a new visitor each time: no token is sent
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert "X-Cart-Token" not in response
    assert _anonymous_carts() == before
