from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from apps.inventory import services
from apps.inventory.models import LowStockAlert, StockLevel
from shop.events.models import OutboxEvent
from tests.accounts.factories import UserFactory
from tests.catalog.factories import VariantFactory


def test_ledger_reconciles_after_a_mixed_workload_and_reports_a_tamper(warehouse, east, capsys):
    a, b = VariantFactory(), VariantFactory()
    for variant in (a, b):
        for wh in (warehouse, east):
            services.stock_adjust(
                variant_id=variant.id, warehouse_id=wh.id, delta=20, reason="", kind="receipt"
            )
    paid, dropped, expired = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    services.reservation_create(order_id=paid, lines=[(a.id, 25), (b.id, 3)])
    services.reservation_create(order_id=dropped, lines=[(b.id, 30)])
    services.reservation_create(order_id=expired, lines=[(a.id, 2)], ttl_seconds=1)
    services.reservation_confirm(order_id=paid)
    services.reservation_release(order_id=dropped)
    from datetime import timedelta

    from django.utils import timezone

    services.reservations_expire(now=timezone.now() + timedelta(seconds=5))
    services.stock_restock(order_id=paid, lines=[(a.id, 6)])
    services.stock_adjust(variant_id=b.id, warehouse_id=east.id, delta=-4, reason="damaged")

    assert services.stock_reconcile() == []
    call_command("inventory_reconcile")
    assert "match the ledger" in capsys.readouterr().out
    assert services.availability([a.id, b.id]) == {a.id: 40 - 25 + 6, b.id: 40 - 3 - 4}

    StockLevel.objects.filter(variant_id=a.id, warehouse=east).update(quantity=99)
    differences = services.stock_reconcile()
    assert len(differences) == 1
    diff = differences[0]
    assert (diff.variant_id, diff.warehouse_id, diff.quantity, diff.reserved) == (
        a.id,
        east.id,
        99,
        diff.ledger_reserved,
    )
    assert diff.ledger_quantity != 99
    with pytest.raises(CommandError):
        call_command("inventory_reconcile")
    assert str(a.id) in capsys.readouterr().out


def test_low_stock_alerts_once_per_crossing_and_emails_staff(
    variant, warehouse, settings, django_capture_on_commit_callbacks
):
    settings.LOW_STOCK_THRESHOLD = 5
    settings.STAFF_ALERT_EMAILS = ["ops@example.com"]

    def adjust(delta):
        with django_capture_on_commit_callbacks(execute=True):
            services.stock_adjust(
                variant_id=variant.id, warehouse_id=warehouse.id, delta=delta, reason=""
            )

    adjust(3)  # starts low: no crossing from above
    assert LowStockAlert.objects.count() == 0
    adjust(10)  # 13, armed
    adjust(-7)  # 6, still above
    assert LowStockAlert.objects.count() == 0
    adjust(-1)  # 5: crosses
    adjust(-2)  # 3: still low, no second alert
    assert LowStockAlert.objects.count() == 1
    alert = LowStockAlert.objects.get()
    assert (alert.available, alert.threshold, alert.variant_id) == (5, 5, variant.id)
    assert alert.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com"]
    assert str(variant.id) in mail.outbox[0].subject

    adjust(10)  # 13: re-armed
    with django_capture_on_commit_callbacks(execute=True):
        services.reservation_create(order_id=uuid.uuid4(), lines=[(variant.id, 9)])  # 4 left
    assert LowStockAlert.objects.count() == 2
    assert len(mail.outbox) == 2


def test_low_stock_threshold_per_level_and_staff_fallback(
    variant, warehouse, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_ALERT_EMAILS = []
    UserFactory(email="boss@example.com", is_staff=True)
    UserFactory(email="customer@example.com")
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=30, reason="")
    StockLevel.objects.filter(variant_id=variant.id).update(low_stock_threshold=20)
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_adjust(
            variant_id=variant.id, warehouse_id=warehouse.id, delta=-10, reason=""
        )
    assert LowStockAlert.objects.get().threshold == 20
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]


def test_low_stock_email_skipped_without_recipients(variant, warehouse, settings):
    settings.STAFF_ALERT_EMAILS = []
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=30, reason="")
    services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=-29, reason="")
    alert = LowStockAlert.objects.get()
    assert services.low_stock_alert_send(alert_id=alert.id) is False
    assert mail.outbox == []


def test_demo_seed_stocks_every_variant_and_the_ledger_balances(db):
    variants = [VariantFactory() for _ in range(30)]
    calls = []
    result = services.stock_demo_seed(
        variant_ids=[v.id for v in variants], progress=lambda done, total: calls.append(done)
    )
    codes = [w.code for w in services.warehouse_list()]
    assert codes == ["MAIN", "EAST"]
    assert set(result) == {v.id for v in variants}
    assert {v: available for v, (available, _) in result.items()} == services.availability(result)
    # One version per batch, below that of any later change of those variants.
    (version,) = {version for _, version in result.values()}
    services.stock_adjust(
        variant_id=variants[0].id, warehouse_id=services.warehouse_list()[0].id, delta=1
    )
    later = OutboxEvent.objects.get(name="stock.changed").payload["version"]
    assert later > version
    assert StockLevel.objects.count() == 60
    assert calls == [30]
    assert services.stock_reconcile() == []
    again = services.stock_demo_seed(variant_ids=[v.id for v in variants])
    assert again == {} and StockLevel.objects.count() == 60
