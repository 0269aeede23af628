from __future__ import annotations

import uuid
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from apps.inventory import services
from apps.inventory.models import LowStockAlert, Reservation, StockLevel
from apps.inventory.tasks import reservations_expire_task
from shop.events.models import OutboxEvent
from shop.events.outbox import event_dispatch


def test_expire_task_releases_expired_reservations(stocked):
    order_id = uuid.uuid4()
    services.reservation_create(order_id=order_id, lines=[(stocked.id, 4)])
    Reservation.objects.filter(order_id=order_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert reservations_expire_task.delay().get() == 1
    assert StockLevel.objects.get(variant_id=stocked.id).reserved == 0
    assert reservations_expire_task.queue == "inventory"


def test_low_stock_event_emails_each_alert_once(variant, warehouse, settings):
    settings.STAFF_ALERT_EMAILS = ["ops@example.com", "buyer@example.com"]
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=20, reason="")
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=-18, reason="")
    alert = LowStockAlert.objects.get()
    event = OutboxEvent.objects.get(name="stock.low")
    assert event.payload == {
        "alert_id": str(alert.id),
        "variant_id": str(variant.id),
        "warehouse_id": str(warehouse.id),
        "available": 2,
        "threshold": 5,
    }
    assert event_dispatch(event.id) == OutboxEvent.Status.DONE
    # Delivered again (the sweep, a replay with --redo): the alert is already marked emailed.
    OutboxEvent.objects.filter(id=event.id).update(status=OutboxEvent.Status.PENDING)
    event.handled.all().delete()
    event_dispatch(event.id)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com", "buyer@example.com"]
    assert "2 unit(s)" in mail.outbox[0].body
    alert.refresh_from_db()
    assert alert.emailed_at is not None
