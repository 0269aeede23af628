from __future__ import annotations

import uuid
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from apps.inventory import services
from apps.inventory.models import LowStockAlert, Reservation, StockLevel
from apps.inventory.tasks import low_stock_alert_email_task, reservations_expire_task


def test_expire_task_releases_expired_reservations(stocked):
    order_id = uuid.uuid4()
    services.reservation_create(order_id=order_id, lines=[(stocked.id, 4)])
    Reservation.objects.filter(order_id=order_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert reservations_expire_task.delay().get() == 1
    assert StockLevel.objects.get(variant_id=stocked.id).reserved == 0
    assert reservations_expire_task.queue == "inventory"


def test_email_task_sends_each_alert_once(variant, warehouse, settings):
    settings.STAFF_ALERT_EMAILS = ["ops@example.com", "buyer@example.com"]
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=20, reason="")
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=-18, reason="")
    alert = LowStockAlert.objects.get()
    assert low_stock_alert_email_task.delay(str(alert.id)).get() is True
    assert low_stock_alert_email_task.delay(str(alert.id)).get() is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com", "buyer@example.com"]
    assert "2 unit(s)" in mail.outbox[0].body
    assert low_stock_alert_email_task.queue == "email"
