"""Checkout with an Idempotency-Key: a replay answers the first 201 unchanged (even after the
cart was emptied), another body is a conflict, two concurrent requests make one order."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from apps.orders.models import Order
from apps.payments.models import Payment
from tests.accounts.errors import assert_error
from tests.conftest import bearer_client
from tests.orders.conftest import CHECKOUT, body


@pytest.mark.django_db
def test_a_replay_after_the_cart_was_emptied_answers_the_same_201(
    user, user_client, make_variant, fill_cart, django_capture_on_commit_callbacks
):
    fill_cart(user, (make_variant(), 2))
    with django_capture_on_commit_callbacks(execute=True):
        first = user_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        replay = user_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert Order.objects.count() == Payment.objects.count() == 1
    # Without the key the (now empty) cart answers for itself.
    assert_error(user_client.post(CHECKOUT, body(), format="json"), 400, "empty_cart")


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_conflict(
    user, user_client, make_variant, fill_cart, django_capture_on_commit_callbacks
):
    fill_cart(user, (make_variant(), 1))
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = user_client.post(
        CHECKOUT, body(shipping_method="express"), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    error = assert_error(other, 409, "idempotency_conflict")
    assert error["details"]["reason"] == "body_mismatch"
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_checkouts_with_one_key_make_one_order(user, make_variant, fill_cart):
    fill_cart(user, (make_variant(stock=10), 1))
    barrier = threading.Barrier(2)
    answers = []

    def post():
        try:
            client = bearer_client(user)
            barrier.wait(timeout=30)
            answers.append(
                client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="race")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Order.objects.count() == 1
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses[201] >= 1 and set(statuses) <= {201, 409}, statuses
    created = [a.json() for a in answers if a.status_code == 201]
    assert all(answer == created[0] for answer in created)
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["error"]["details"]["reason"] == "in_progress"
