"""Carts live in a Redis database of their own: the cache can be flushed or evict at will,
a refused request creates no cart, and a Redis that cannot serve answers 503."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from redis._parsers.base import BaseParser

from shop.redis import redis_client, redis_unavailable
from tests.cart.conftest import CART, ITEMS, item_of
from tests.redis_server import busy_redis, misconf_redis

pytestmark = pytest.mark.django_db


def carts() -> list[bytes]:
    return redis_client().keys("cart:*")


def test_carts_are_not_in_the_caches_database():
    assert settings.CACHES["default"]["LOCATION"] != settings.CART_REDIS_URL


def test_a_cache_clear_leaves_carts_intact(api_client, user_client, variant):
    token = api_client.post(ITEMS, {"variant_id": str(variant.id), "quantity": 2}, format="json")[
        "X-Cart-Token"
    ]
    assert (
        user_client.post(
            ITEMS, {"variant_id": str(variant.id), "quantity": 3}, format="json"
        ).status_code
        == 201
    )
    cache.set("something cached", "x")
    cache.clear()
    assert cache.get("something cached") is None  # the cache is gone …
    anonymous = api_client.get(CART, HTTP_X_CART_TOKEN=token).json()
    assert anonymous["token"] == token and item_of(anonymous, variant)["quantity"] == 2
    assert item_of(user_client.get(CART).json(), variant)["quantity"] == 3  # … the carts not


@pytest.mark.parametrize(
    "body",
    [{"variant_id": "not-a-uuid", "quantity": 1}, {"quantity": 1}, {"variant_id": None}],
)
def test_a_refused_write_without_a_token_creates_no_cart(api_client, variant, body):
    response = api_client.post(ITEMS, body, format="json")
    assert response.status_code == 400
    assert "X-Cart-Token" not in response
    assert carts() == []


def test_a_conflict_without_a_token_creates_no_cart(api_client, make_variant):
    scarce = make_variant(stock=1)
    response = api_client.post(ITEMS, {"variant_id": str(scarce.id), "quantity": 5}, format="json")
    assert response.status_code == 409
    assert "X-Cart-Token" not in response
    assert carts() == []
    missing = api_client.put(f"{ITEMS}/00000000-0000-0000-0000-000000000000", {"quantity": 1})
    assert missing.status_code in (400, 404) and carts() == []


def test_a_successful_write_without_a_token_creates_the_cart_and_hands_over_its_token(
    api_client, variant
):
    response = api_client.post(ITEMS, {"variant_id": str(variant.id), "quantity": 1}, format="json")
    assert response.status_code == 201
    token = response["X-Cart-Token"]
    assert response.json()["token"] == token and len(carts()) == 1
    again = api_client.get(CART, HTTP_X_CART_TOKEN=token)
    assert again["X-Cart-Token"] == token and item_of(again.json(), variant)["quantity"] == 1


def test_a_read_without_a_token_still_issues_a_known_token(api_client):
    token = api_client.get(CART)["X-Cart-Token"]
    assert len(carts()) == 1
    assert api_client.get(CART, HTTP_X_CART_TOKEN=token)["X-Cart-Token"] == token


def test_a_known_token_is_handed_back_on_an_error_too(api_client, variant):
    token = api_client.get(CART)["X-Cart-Token"]
    response = api_client.post(ITEMS, {"quantity": 1}, format="json", HTTP_X_CART_TOKEN=token)
    assert response.status_code == 400 and response["X-Cart-Token"] == token


# --- Redis that cannot serve: 503, like a connection failure --------------------------------


def test_misconf_answers_503_for_writes_and_reads_still_work(
    user_client, variant, settings, tmp_path
):
    with misconf_redis(tmp_path) as url:
        settings.CART_REDIS_URL = url
        add = user_client.post(ITEMS, {"variant_id": str(variant.id), "quantity": 1}, format="json")
        assert add.status_code == 503, add.content
        assert add.json()["error"]["code"] == "service_unavailable"
        assert user_client.get(CART).status_code == 200  # reads are allowed under MISCONF


def test_busy_answers_503(user_client, variant, settings):
    with busy_redis() as url:
        settings.CART_REDIS_URL = url
        for response in (
            user_client.get(CART),
            user_client.post(ITEMS, {"variant_id": str(variant.id), "quantity": 1}, format="json"),
        ):
            assert response.status_code == 503, response.content
            assert response.json()["error"]["code"] == "service_unavailable"


@pytest.mark.parametrize(
    ("reply", "unavailable"),
    [
        ("LOADING Redis is loading the dataset in memory", True),
        ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable", True),
        ("BUSY Redis is busy running a script. You can only call SCRIPT KILL", True),
        ("READONLY You can't write against a read only replica.", True),
        ("BUSYKEY Target key name already exists.", False),
        ("ERR wrong number of arguments for 'hset' command", False),
        ("WRONGTYPE Operation against a key holding the wrong kind of value", False),
    ],
)
def test_which_redis_replies_mean_unavailable(reply, unavailable):
    # The exception redis-py's own parser makes of each server reply.
    assert redis_unavailable(BaseParser.parse_error(reply)) is unavailable
