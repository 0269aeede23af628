"""Idempotency-Key: the first answer is stored with the work; replays return it unchanged."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import path, re_path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from shop import events
from shop.events.models import OutboxEvent
from shop.idempotency import idempotent
from shop.models import IdempotencyRecord
from tests.conftest import bearer_client


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def make_thing(request):
    def handle():
        event = events.publish("test.thing", {"n": request.data.get("n")})
        return Response({"event": str(event.id)}, status=201)

    return idempotent(request, "test.thing", handle)


urlpatterns = [re_path(r"^api/v1/things/?$", make_thing), path("api/v1/other", make_thing)]


@pytest.fixture(autouse=True)
def _urls():
    with override_settings(ROOT_URLCONF=__name__):
        yield


def test_replay_returns_the_first_answer_and_does_the_work_once(db, user):
    client = bearer_client(user)
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    first = client.post("/api/v1/things", {"n": 1}, format="json", **headers)
    # The slash variant of the same endpoint is the same request.
    again = client.post("/api/v1/things/", {"n": 1}, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert OutboxEvent.objects.filter(name="test.thing").count() == 1


def test_same_key_with_another_body_is_a_conflict(db, user):
    client = bearer_client(user)
    client.post("/api/v1/things", {"n": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post("/api/v1/things", {"n": 2}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert OutboxEvent.objects.filter(name="test.thing").count() == 1


def test_keys_are_scoped_per_user(db, user, staff_user):
    for who in (user, staff_user):
        response = bearer_client(who).post(
            "/api/v1/things", {"n": 1}, format="json", HTTP_IDEMPOTENCY_KEY="shared"
        )
        assert response.status_code == 201
    assert OutboxEvent.objects.filter(name="test.thing").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_do_the_work_once(user):
    answers = []
    barrier = threading.Barrier(8)

    def post():
        try:
            client = bearer_client(user)
            barrier.wait()
            answers.append(
                client.post("/api/v1/things", {"n": 7}, format="json", HTTP_IDEMPOTENCY_KEY="race")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.json()["event"] for a in answers}) == 1
    assert OutboxEvent.objects.filter(name="test.thing").count() == 1
    assert IdempotencyRecord.objects.count() == 1
