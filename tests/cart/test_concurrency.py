"""Concurrency proven with real parallel requests: each thread its own client and DB connection.

transaction=True because the threads' connections must see the committed catalog and stock.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.cart import services
from tests.cart.conftest import CART, ITEMS, item_of
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_parallel(calls):
    """Run the calls on as many threads, released together by a barrier; their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=30)
            return call()
        finally:
            connection.close()  # each thread opened its own connection

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_50_parallel_adds_to_one_line_are_all_counted(make_variant):
    variant = make_variant(stock=100)
    token = APIClient().get(CART)["X-Cart-Token"]

    def add_one():
        client = APIClient()
        return client.post(
            ITEMS,
            {"variant_id": str(variant.id), "quantity": 1},
            format="json",
            HTTP_X_CART_TOKEN=token,
        )

    responses = run_in_parallel([add_one] * 50)

    assert [r.status_code for r in responses] == [201] * 50
    assert {r["X-Cart-Token"] for r in responses} == {token}
    # Each answer is the state its own change produced: 50 distinct versions 1…50.
    assert sorted(r.json()["version"] for r in responses) == list(range(1, 51))
    body = APIClient().get(CART, HTTP_X_CART_TOKEN=token).json()
    assert body["version"] == 50
    assert len(body["items"]) == 1
    assert item_of(body, variant)["quantity"] == 50


def test_parallel_adds_of_different_variants_make_one_line_each(make_variant, user):
    variants = [make_variant() for _ in range(10)]

    def adder(variant):
        return lambda: bearer_client(user).post(
            ITEMS, {"variant_id": str(variant.id), "quantity": 2}, format="json"
        )

    responses = run_in_parallel([adder(v) for v in variants * 2])

    assert [r.status_code for r in responses] == [201] * 20
    body = bearer_client(user).get(CART).json()
    assert body["version"] == 20
    assert {item["variant_id"]: item["quantity"] for item in body["items"]} == {
        str(v.id): 4 for v in variants
    }


def test_if_match_race_one_writer_wins_the_other_gets_412(make_variant, user):
    variant = make_variant(stock=100)
    client = bearer_client(user)
    client.post(ITEMS, {"variant_id": str(variant.id), "quantity": 1}, format="json")
    item_id = client.get(CART).json()["items"][0]["id"]

    def put(quantity):
        return lambda: bearer_client(user).put(
            f"{ITEMS}/{item_id}", {"quantity": quantity}, format="json", HTTP_IF_MATCH='"1"'
        )

    responses = run_in_parallel([put(5), put(9)])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412]
    winner = next(r for r in responses if r.status_code == 200)
    loser = next(r for r in responses if r.status_code == 412)
    assert loser.json()["error"]["details"] == {"current_version": 2}
    body = client.get(CART).json()
    assert body["version"] == 2
    assert body["items"][0]["quantity"] == winner.json()["items"][0]["quantity"]


def test_if_match_race_among_many_writers_has_exactly_one_winner(make_variant, user):
    variant = make_variant(stock=100)

    def add_if_fresh():
        return bearer_client(user).post(
            ITEMS,
            {"variant_id": str(variant.id), "quantity": 1},
            format="json",
            HTTP_IF_MATCH='"0"',
        )

    responses = run_in_parallel([add_if_fresh] * 12)

    assert sorted(r.status_code for r in responses) == [201] + [412] * 11
    body = bearer_client(user).get(CART).json()
    assert (body["version"], body["items"][0]["quantity"]) == (1, 1)


def test_stock_check_holds_under_parallel_adds(make_variant, user):
    variant = make_variant(stock=7)

    def add_one():
        return bearer_client(user).post(
            ITEMS, {"variant_id": str(variant.id), "quantity": 1}, format="json"
        )

    responses = run_in_parallel([add_one] * 12)

    assert sorted(r.status_code for r in responses) == [201] * 7 + [409] * 5
    assert item_of(bearer_client(user).get(CART).json(), variant)["quantity"] == 7


def test_merge_racing_with_adds_to_the_user_cart_loses_nothing(make_variant, user):
    variant = make_variant(stock=100)
    anonymous = services.cart_owner_resolve(user_id=None, token=None)
    services.cart_line_add(owner=anonymous, variant_id=variant.id, quantity=10)

    def add_one():
        return bearer_client(user).post(
            ITEMS, {"variant_id": str(variant.id), "quantity": 1}, format="json"
        )

    def merge():
        return bearer_client(user).post(
            f"{CART}/merge", {"cart_token": anonymous.token}, format="json"
        )

    responses = run_in_parallel([add_one] * 10 + [merge])

    assert all(r.status_code in (200, 201) for r in responses)
    body = bearer_client(user).get(CART).json()
    assert item_of(body, variant)["quantity"] == 20
    assert body["version"] == 11
