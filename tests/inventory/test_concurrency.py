"""Real parallel transactions: threads, each with its own database connection."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.utils import OperationalError

from apps.inventory import services
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import Reservation, StockLevel
from tests.catalog.factories import VariantFactory
from tests.inventory.factories import WarehouseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_parallel(count: int, work):
    """Run work(i) in `count` threads released together; returns each result or exception."""
    barrier = threading.Barrier(count)

    def job(i):
        try:
            barrier.wait(timeout=30)
            return work(i)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(job, range(count)))


def test_fifty_buyers_for_ten_units_exactly_ten_win():
    variant = VariantFactory()
    main = WarehouseFactory(code="MAIN")
    services.stock_adjust(variant_id=variant.id, warehouse_id=main.id, delta=10, reason="")

    results = run_parallel(
        50, lambda i: services.reservation_create(order_id=uuid.uuid4(), lines=[(variant.id, 1)])
    )

    won = [r for r in results if isinstance(r, list)]
    lost = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(won) == 10 and len(lost) == 40, [r for r in results if isinstance(r, Exception)]
    for error in lost:
        assert error.details["items"][0]["requested"] == 1
        assert error.details["items"][0]["available"] == 0
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (10, 10)
    assert services.availability([variant.id]) == {variant.id: 0}
    assert Reservation.objects.filter(status="pending").count() == 10
    assert services.stock_reconcile() == []


def test_multi_line_reservations_in_opposite_orders_never_deadlock():
    first, second = VariantFactory(), VariantFactory()
    main = WarehouseFactory(code="MAIN", priority=10)
    east = WarehouseFactory(code="EAST", priority=20)
    for variant in (first, second):
        for warehouse in (main, east):
            services.stock_adjust(
                variant_id=variant.id, warehouse_id=warehouse.id, delta=15, reason=""
            )

    def reserve(i):
        # Each asks 2 of one variant and 1 of the other; the line order alternates, and
        # 2 units straddle the warehouses once MAIN runs low, so rows lock in mixed orders.
        lines = [(first.id, 2), (second.id, 1)] if i % 2 else [(second.id, 2), (first.id, 1)]
        return services.reservation_create(order_id=uuid.uuid4(), lines=lines)

    results = run_parallel(24, reserve)

    deadlocks = [r for r in results if isinstance(r, OperationalError)]
    assert deadlocks == []
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)
    ]
    assert unexpected == []
    won = [r for r in results if isinstance(r, list)]
    # 24 orders × 3 units want 72 of the 60 units: most win, the rest are refused cleanly.
    assert 18 <= len(won) < 24
    for variant in (first, second):
        granted = sum(r.quantity for res in won for r in res if r.variant_id == variant.id)
        levels = StockLevel.objects.filter(variant_id=variant.id)
        assert sum(lv.reserved for lv in levels) == granted <= 30
        assert all(0 <= lv.reserved <= lv.quantity for lv in levels)
    assert services.stock_reconcile() == []


def test_two_expiry_runners_release_each_reservation_once():
    variant = VariantFactory()
    main = WarehouseFactory(code="MAIN")
    services.stock_adjust(variant_id=variant.id, warehouse_id=main.id, delta=40, reason="")
    for _ in range(20):
        services.reservation_create(order_id=uuid.uuid4(), lines=[(variant.id, 2)], ttl_seconds=1)
    from datetime import timedelta

    from django.utils import timezone

    later = timezone.now() + timedelta(seconds=10)
    results = run_parallel(4, lambda i: services.reservations_expire(now=later))

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(results) == 20
    level = StockLevel.objects.get(variant_id=variant.id)
    assert (level.quantity, level.reserved) == (40, 0)
    assert services.stock_reconcile() == []


def _wait_until_a_session_waits_on_a_lock(timeout: float = 10) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("no session started waiting on a lock")


def test_deactivating_a_warehouse_while_a_checkout_holds_its_stock_does_not_deadlock():
    """Checkout reserves inside its own transaction; a staff (de)activation of a warehouse
    locks the warehouse, then that warehouse's stock levels. The reservation's inserts check
    their foreign key to the warehouse (FOR KEY SHARE) while holding level locks: with the
    warehouse locked FOR UPDATE the two waited on each other and PostgreSQL killed one."""
    variant = VariantFactory()
    main = WarehouseFactory(code="MAIN", priority=10)
    east = WarehouseFactory(code="EAST", priority=20)
    for warehouse in (main, east):
        services.stock_adjust(variant_id=variant.id, warehouse_id=warehouse.id, delta=5, reason="")
    holding, go = threading.Event(), threading.Event()

    def checkout():
        from django.db import transaction

        try:
            with transaction.atomic():
                # The variant's levels are locked (all of them, in primary-key order) …
                services.stock_adjust(
                    variant_id=variant.id, warehouse_id=east.id, delta=1, reason="late receipt"
                )
                holding.set()
                assert go.wait(timeout=30)
                # … then units are reserved in MAIN while the deactivation waits for them.
                return services.reservation_create(order_id=uuid.uuid4(), lines=[(variant.id, 2)])
        except Exception as exc:
            return exc
        finally:
            connection.close()

    def deactivate():
        try:
            assert holding.wait(timeout=30)
            return services.warehouse_update(warehouse_id=main.id, active=False)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        reserved = pool.submit(checkout)
        deactivated = pool.submit(deactivate)
        assert holding.wait(timeout=30)
        _wait_until_a_session_waits_on_a_lock()  # the deactivation, on the levels
        go.set()
        reserved, deactivated = reserved.result(timeout=60), deactivated.result(timeout=60)

    assert not isinstance(reserved, Exception), reserved
    assert not isinstance(deactivated, Exception), deactivated
    assert [(r.warehouse_id, r.quantity) for r in reserved] == [(main.id, 2)]
    assert deactivated.active is False
    assert services.availability([variant.id]) == {variant.id: 6}  # EAST only
    assert services.stock_reconcile() == []


def test_confirm_racing_expiry_on_a_two_row_order_confirms_or_releases_it_whole():
    """Payment confirming an order while the expiry runner releases it, round after round:
    the order must end all-confirmed or all-released, never half-paid, and the loser must
    see a clear result (confirm "expired", or expiry releasing nothing)."""
    import random
    import time
    from datetime import timedelta

    from django.utils import timezone

    from shop.events.models import OutboxEvent

    first, second = VariantFactory(), VariantFactory()
    main = WarehouseFactory(code="MAIN")
    rounds = 40
    for variant in (first, second):
        services.stock_adjust(variant_id=variant.id, warehouse_id=main.id, delta=rounds * 2)
    rng = random.Random(7)
    outcomes = {"confirmed": 0, "expired": 0}

    for _ in range(rounds):
        order_id = uuid.uuid4()
        rows = services.reservation_create(
            order_id=order_id, lines=[(first.id, 1), (second.id, 2)], ttl_seconds=60
        )
        assert len(rows) == 2
        Reservation.objects.filter(order_id=order_id).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        # Who gets there first varies: the jitter spreads the start over a few milliseconds.
        delays = [rng.uniform(0, 0.004), rng.uniform(0, 0.004)]

        def race(i, order_id=order_id, delays=delays):
            time.sleep(delays[i])
            if i == 0:
                return services.reservation_confirm(order_id=order_id)
            return services.reservations_expire()

        confirmation, released = run_parallel(2, race)

        assert not isinstance(confirmation, Exception), confirmation
        assert not isinstance(released, Exception), released
        order_rows = Reservation.objects.filter(order_id=order_id)
        statuses = set(order_rows.values_list("status", flat=True))
        expired = OutboxEvent.objects.filter(
            name="reservation.expired", payload__order_id=str(order_id)
        )
        if confirmation.status == "confirmed":
            assert statuses == {"confirmed"}
            assert released == 0 and not expired.exists()
        else:
            assert confirmation.status == "expired"
            assert statuses == {"released"}
            assert released == 2
            assert [e.payload["reservation_ids"] for e in expired] == [
                sorted(str(r.id) for r in rows)
            ]
        assert {r.status for r in confirmation.reservations} == statuses
        outcomes[confirmation.status] += 1
        for level in StockLevel.objects.all():
            assert 0 <= level.reserved <= level.quantity
            pending = Reservation.objects.filter(
                variant_id=level.variant_id, warehouse=level.warehouse, status="pending"
            )
            assert level.reserved == sum(r.quantity for r in pending)

    assert outcomes["confirmed"] and outcomes["expired"], f"no race both ways: {outcomes}"
    sold = outcomes["confirmed"]
    assert StockLevel.objects.get(variant_id=first.id).quantity == rounds * 2 - sold
    assert StockLevel.objects.get(variant_id=second.id).quantity == rounds * 2 - 2 * sold
    assert services.stock_reconcile() == []
    print(f"confirm vs expiry over {rounds} rounds: {outcomes}")
