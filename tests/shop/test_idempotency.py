"""Idempotency-Key: claim, work, answer. A replay returns the first answer; the work runs
outside any transaction of the helper; errors release the claim; a crashed claim expires."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import OperationalError
from django.test import override_settings
from django.urls import path, re_path
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop import events
from shop.errors import IdempotencyConflict
from shop.events.models import OutboxEvent
from shop.idempotency import idempotency_claim, idempotent, request_hash
from shop.models import IdempotencyRecord
from tests.conftest import bearer_client

# What the test views do while they run, set by each test.
hooks: dict = {}


class ThingView(APIView):
    permission_classes = [IsAuthenticated]

    @idempotent("test.thing")
    def post(self, request, **kwargs):
        if request.data.get("n") is None:
            return Response({"error": "n is required"}, status=400)  # an error answer
        with transaction.atomic():
            event = events.publish("test.thing", {"n": request.data["n"], **kwargs})
        if "during" in hooks:
            hooks["during"]()  # a slow outside call (a payment provider)
        if request.data.get("fail"):
            raise RuntimeError("the work crashed")
        return Response({"event": str(event.id)}, status=201)


class DuplicateView(APIView):
    permission_classes = [IsAuthenticated]

    @idempotent("test.duplicate")
    def post(self, request):
        # The work's own unique violation: the same row twice, as a racing request would.
        with transaction.atomic():
            OutboxEvent.objects.create(id=hooks["event_id"], name="test.dup")
        return Response({"created": True}, status=201)


urlpatterns = [
    re_path(r"^api/v1/things/?$", ThingView.as_view()),
    path("api/v1/orders/<str:order>/things", ThingView.as_view()),
    path("api/v1/duplicates", DuplicateView.as_view()),
]


@pytest.fixture(autouse=True)
def _urls():
    hooks.clear()
    with override_settings(ROOT_URLCONF=__name__):
        yield
    hooks.clear()


def post(client, body, key=None, url="/api/v1/things"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, body, format="json", **headers)


def works() -> int:
    return OutboxEvent.objects.filter(name="test.thing").count()


def test_replay_returns_the_first_answer_and_does_the_work_once(db, user):
    client = bearer_client(user)
    first = post(client, {"n": 1}, "k-1")
    # The slash variant of the same endpoint is the same request.
    again = client.post("/api/v1/things/", {"n": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert works() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.state, record.status_code, record.body) == ("completed", 201, first.json())


def test_without_a_key_the_work_just_runs(db, user):
    client = bearer_client(user)
    assert post(client, {"n": 1}).status_code == post(client, {"n": 1}).status_code == 201
    assert works() == 2 and not IdempotencyRecord.objects.exists()


def test_same_key_with_another_body_is_a_body_mismatch_conflict(db, user):
    client = bearer_client(user)
    post(client, {"n": 1}, "k-2")
    response = post(client, {"n": 2}, "k-2")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_conflict"
    assert error["details"] == {"reason": "body_mismatch"}
    assert works() == 1


def test_same_key_on_another_url_argument_is_a_body_mismatch(db, user):
    client = bearer_client(user)
    assert post(client, {"n": 1}, "k-3", url="/api/v1/orders/a/things").status_code == 201
    other = post(client, {"n": 1}, "k-3", url="/api/v1/orders/b/things")
    assert other.status_code == 409
    assert other.json()["error"]["details"]["reason"] == "body_mismatch"


def test_keys_are_scoped_per_user(db, user, staff_user):
    for who in (user, staff_user):
        assert post(bearer_client(who), {"n": 1}, "shared").status_code == 201
    assert works() == 2


def test_a_key_longer_than_255_characters_is_400(db, user):
    response = post(bearer_client(user), {"n": 1}, "k" * 256)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["details"]
    assert works() == 0


def test_an_error_answer_is_not_stored_and_the_client_may_retry(db, user):
    client = bearer_client(user)
    assert post(client, {}, "k-4").status_code == 400
    assert not IdempotencyRecord.objects.exists()  # released
    assert post(client, {"n": 4}, "k-4").status_code == 201
    assert works() == 1


def test_a_crash_in_the_work_releases_the_claim(db, user):
    client = bearer_client(user)
    assert post(client, {"n": 5, "fail": True}, "k-5").status_code == 500
    assert not IdempotencyRecord.objects.exists()
    assert post(client, {"n": 5}, "k-5").status_code == 201


def test_the_works_own_integrity_error_is_a_409_conflict_not_a_500(db, user):
    client = bearer_client(user)
    hooks["event_id"] = uuid.uuid4()
    assert client.post("/api/v1/duplicates", {}, format="json").status_code == 201
    response = client.post("/api/v1/duplicates", {}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "conflict",
            "message": "The request conflicts with the current state.",
            "details": {},
        }
    }
    # Not confused with the claim: the claim was released, and a retry runs the work again.
    assert not IdempotencyRecord.objects.exists()
    hooks["event_id"] = uuid.uuid4()
    again = client.post("/api/v1/duplicates", {}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again


def test_a_record_older_than_the_ttl_is_forgotten(db, user, settings):
    client = bearer_client(user)
    post(client, {"n": 6}, "k-6")
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS + 1)
    )
    again = post(client, {"n": 7}, "k-6")  # even another body: the old use is gone
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert works() == 2


def claim(key="k", body=1):
    return idempotency_claim(owner="o", scope="s", key=key, request_hash=request_hash(body))


def test_a_stale_claim_is_taken_over_and_the_superseded_request_cannot_store(db, settings):
    with claim() as crashed:  # a request whose process died mid-work, leaving its claim
        IdempotencyRecord.objects.update(
            claimed_at=timezone.now()
            - timedelta(seconds=settings.IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS + 1)
        )
        with claim() as retry:
            assert retry.replay is None  # taken over: the retry runs the work
            retry.store(201, {"by": "retry"})
        crashed.store(201, {"by": "crashed"})  # too late: the claim is not its own anymore
    record = IdempotencyRecord.objects.get()
    assert (record.state, record.body) == ("completed", {"by": "retry"})
    with claim() as replay:
        assert (replay.replay.status_code, replay.replay.body) == (201, {"by": "retry"})


def test_a_fresh_claim_is_not_taken_over(db):
    with claim() as first:
        with pytest.raises(IdempotencyConflict) as raised, claim():
            pass
        assert raised.value.details == {"reason": "in_progress"}
        first.store(200, {"ok": True})


@pytest.mark.django_db(transaction=True)
def test_the_claim_refuses_to_run_inside_a_transaction():
    with pytest.raises(RuntimeError), transaction.atomic(), claim():
        pass
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_second_request_while_the_first_runs_is_409_in_progress_then_replays(user):
    running, finish = threading.Event(), threading.Event()

    def slow_call():
        running.set()
        assert finish.wait(timeout=30)

    hooks["during"] = slow_call

    def first():
        try:
            return post(bearer_client(user), {"n": 8}, "k-8")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(first)
        assert running.wait(timeout=30)
        del hooks["during"]
        # The claim is committed while the work runs: another connection sees it.
        assert IdempotencyRecord.objects.get().state == "in_progress"
        second = post(bearer_client(user), {"n": 8}, "k-8")
        finish.set()
        answer = pending.result(timeout=30)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "idempotency_conflict"
    assert second.json()["error"]["details"] == {"reason": "in_progress"}
    assert answer.status_code == 201
    replay = post(bearer_client(user), {"n": 8}, "k-8")
    assert replay.status_code == 201 and replay.json() == answer.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert works() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_run_the_work_once(user):
    barrier = threading.Barrier(8)

    def send(i):
        try:
            client = bearer_client(user)
            barrier.wait(timeout=30)
            return post(client, {"n": 9}, "race")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["error"]["details"] == {"reason": "in_progress"}
    assert len({a.json()["event"] for a in answers if a.status_code == 201}) == 1
    assert works() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_a_stale_claim_take_it_over_once(user, settings):
    # A claim left by a request whose process died, long enough ago to be taken over.
    old = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS + 5)
    IdempotencyRecord.objects.create(
        owner=str(user.pk),
        scope="test.thing",
        key="stale",
        request_hash=request_hash("POST", {}, {"n": 10}),
        claimed_at=old,
        created_at=old,
    )
    running, finish = threading.Event(), threading.Event()

    def slow_call():
        running.set()
        assert finish.wait(timeout=30)

    hooks["during"] = slow_call
    barrier = threading.Barrier(6)

    def send(i):
        try:
            client = bearer_client(user)
            barrier.wait(timeout=30)
            return post(client, {"n": 10}, "stale")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(send, i) for i in range(6)]
        assert running.wait(timeout=30)
        # While the one that took the claim over is in its outside call, the others answer.
        deadline = time.monotonic() + 30
        while sum(f.done() for f in futures) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        refused = [f.result() for f in futures if f.done()]
        finish.set()
        answers = [f.result(timeout=30) for f in futures]
    assert [a.status_code for a in refused] == [409] * 5
    assert all(a.json()["error"]["details"] == {"reason": "in_progress"} for a in refused)
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5
    assert works() == 1


@pytest.mark.django_db(transaction=True)
def test_no_row_lock_is_held_while_the_work_waits_on_an_outside_call(user):
    """As checkout will: lock stock rows in a transaction of its own, commit, then call the
    payment provider. During that call another transaction must be able to lock the rows."""
    from apps.inventory import services
    from apps.inventory.models import StockLevel
    from tests.catalog.factories import VariantFactory
    from tests.inventory.factories import WarehouseFactory

    variant, warehouse = VariantFactory(), WarehouseFactory(code="MAIN")
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=5)
    in_call, finish = threading.Event(), threading.Event()

    def provider_call():
        services.reservation_create(order_id=uuid.uuid4(), lines=[(variant.id, 2)])
        in_call.set()
        assert finish.wait(timeout=30)

    hooks["during"] = provider_call

    def checkout():
        try:
            return post(bearer_client(user), {"n": 11}, "k-11")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(checkout)
        try:
            assert in_call.wait(timeout=30)
            with transaction.atomic():
                locked = list(
                    StockLevel.objects.select_for_update(nowait=True).filter(variant_id=variant.id)
                )
                outbox = list(OutboxEvent.objects.select_for_update(nowait=True))
            assert [level.reserved for level in locked] == [2]
            assert outbox  # the work's events are committed and unlocked too
            claimed = IdempotencyRecord.objects.select_for_update(nowait=True)
            with transaction.atomic():
                assert claimed.get().state == "in_progress"
        except OperationalError as exc:  # NOWAIT: a row was still locked
            pytest.fail(f"a row lock was held during the outside call: {exc}")
        finally:
            finish.set()
        assert pending.result(timeout=30).status_code == 201
    assert IdempotencyRecord.objects.get().state == "completed"


def test_integrity_error_outside_idempotency_is_also_409(db, user):
    """The API renders any unhandled IntegrityError as 409 conflict (and logs it)."""
    hooks["event_id"] = uuid.uuid4()
    client = bearer_client(user)
    client.post("/api/v1/duplicates", {}, format="json")
    response = client.post("/api/v1/duplicates", {}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
