"""A broker outage never changes an HTTP answer: the writes commit and answer as usual, and
every email they owe is delivered once the broker is back, by a real worker, exactly once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.models import User
from apps.inventory import services as inventory
from apps.inventory.models import LowStockAlert, StockLevel
from shop.events.models import OutboxEvent
from shop.events.outbox import events_sweep
from tests.accounts.factories import PASSWORD, UserFactory
from tests.catalog.factories import VariantFactory
from tests.conftest import bearer_client
from tests.inventory.factories import WarehouseFactory
from tests.support.broker import (
    broker_unreachable,
    real_broker_queue,  # noqa: F401 (a fixture)
    running_worker,
    wait_until,
)

API = "/api/v1"


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_writes_answer_normally_and_each_email_follows_once(
    api_client,
    real_broker_queue,  # noqa: F811
    settings,
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STAFF_ALERT_EMAILS = ["ops@example.com"]
    settings.LOW_STOCK_THRESHOLD = 5
    known = UserFactory(email="known@example.com")
    staff = bearer_client(UserFactory(is_staff=True))
    variant, warehouse = VariantFactory(), WarehouseFactory(code="MAIN")
    inventory.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=10)
    adjust = {"variant_id": str(variant.id), "warehouse_id": str(warehouse.id), "delta": -6}

    with broker_unreachable():
        registered = api_client.post(
            f"{API}/auth/register", {"email": "new@example.com", "password": PASSWORD}
        )
        reset_known = api_client.post(f"{API}/auth/password-reset", {"email": known.email})
        reset_unknown = api_client.post(f"{API}/auth/password-reset", {"email": "no@example.com"})
        adjusted = staff.post(
            f"{API}/inventory/adjust", adjust, format="json", HTTP_IDEMPOTENCY_KEY="outage-1"
        )
        replayed = staff.post(
            f"{API}/inventory/adjust", adjust, format="json", HTTP_IDEMPOTENCY_KEY="outage-1"
        )

    assert registered.status_code == 201, registered.content
    assert User.objects.filter(email="new@example.com").exists()
    assert reset_known.status_code == reset_unknown.status_code == 202
    assert adjusted.status_code == 200 and adjusted.json()["quantity"] == 4
    assert replayed.status_code == 200 and replayed["Idempotent-Replayed"] == "true"
    assert StockLevel.objects.get(variant_id=variant.id).quantity == 4  # adjusted once
    alert = LowStockAlert.objects.get()
    assert (alert.available, alert.emailed_at) == (4, None)
    assert mail.outbox == []
    unsent = OutboxEvent.objects.filter(status="pending", sent_at__isnull=True)
    assert sorted(unsent.values_list("name", flat=True)) == [
        "stock.changed",
        "stock.low",
        "user.password_reset_requested",
        "user.registered",
    ]

    with running_worker(real_broker_queue):
        assert events_sweep(now=timezone.now() + timedelta(minutes=1)) == 4
        assert wait_until(lambda: len(mail.outbox) >= 3, timeout=60), mail.outbox
        assert wait_until(lambda: not OutboxEvent.objects.exclude(status="done").exists())
        # Swept again (the beat runs every 30 s): nothing is pending, nothing is sent twice.
        assert events_sweep(now=timezone.now() + timedelta(minutes=20)) == 0
        time.sleep(1)

    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert len(mail.outbox) == 3 and len(by_recipient) == 3
    assert "verify" in by_recipient[("new@example.com",)].subject.lower()
    assert "password" in by_recipient[("known@example.com",)].subject.lower()
    assert str(variant.id) in by_recipient[("ops@example.com",)].subject
    alert.refresh_from_db()
    assert alert.emailed_at is not None
