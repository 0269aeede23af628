"""payments/dummy/{intent_id}/succeed|fail: only with the dummy provider, only for the
payment's owner or staff; they drive the webhook's code path."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.payments.models import Payment
from apps.payments.services import payment_intent_create
from shop.events.models import OutboxEvent
from tests.accounts.errors import assert_error
from tests.accounts.factories import UserFactory
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def intent(user):
    return payment_intent_create(
        order_id=uuid.uuid4(), user_id=user.id, amount=Decimal("9.99"), currency="USD"
    )


def url(intent_id, outcome="succeed"):
    return f"/api/v1/payments/dummy/{intent_id}/{outcome}"


def test_owner_pays_and_a_repeat_changes_nothing(user_client, intent):
    response = user_client.post(url(intent.intent_id))
    assert response.status_code == 200
    assert response.json() == {"intent_id": intent.intent_id, "status": "succeeded"}
    again = user_client.post(url(intent.intent_id) + "/")  # the slash variant answers too
    assert again.json() == {"intent_id": intent.intent_id, "status": "succeeded"}
    assert OutboxEvent.objects.filter(name="payment.succeeded").count() == 1
    assert_error(user_client.post(url(intent.intent_id, "fail")), 409, "conflict")


def test_failure_is_recorded_and_published_each_attempt(user_client, intent):
    for _ in range(2):
        response = user_client.post(url(intent.intent_id, "fail"))
        assert response.json() == {"intent_id": intent.intent_id, "status": "failed"}
    assert OutboxEvent.objects.filter(name="payment.failed").count() == 2
    assert user_client.post(url(intent.intent_id)).json()["status"] == "succeeded"


def test_only_the_owner_or_staff_and_only_known_intents(api_client, staff_client, intent):
    stranger = bearer_client(UserFactory())
    assert_error(api_client.post(url(intent.intent_id)), 401, "not_authenticated")
    assert_error(stranger.post(url(intent.intent_id)), 404, "not_found")
    assert_error(stranger.post(url("pi_dummy_unknown")), 404, "not_found")
    assert Payment.objects.get(id=intent.payment.id).status == "requires_payment"
    assert staff_client.post(url(intent.intent_id)).json()["status"] == "succeeded"


def test_404_unless_the_dummy_provider_is_configured(settings, user_client, intent):
    settings.PAYMENT_PROVIDER = "stripe"
    assert_error(user_client.post(url(intent.intent_id)), 404, "not_found")
    assert_error(user_client.post(url(intent.intent_id, "fail")), 404, "not_found")
    assert Payment.objects.get(id=intent.payment.id).status == "requires_payment"
