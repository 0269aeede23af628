from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.inventory import services
from apps.inventory.exceptions import InsufficientStock, InvalidInput, ReservationNotFound
from apps.inventory.models import Reservation, StockLevel, StockMovement
from apps.inventory.services import ReservationConfirmation
from shop.events.models import OutboxEvent
from tests.catalog.factories import VariantFactory
from tests.inventory.factories import WarehouseFactory


def receive(variant, warehouse, quantity):
    services.stock_adjust(
        variant_id=variant.id, warehouse_id=warehouse.id, delta=quantity, reason="", kind="receipt"
    )


def level(variant, warehouse):
    row = StockLevel.objects.get(variant_id=variant.id, warehouse=warehouse)
    return row.quantity, row.reserved


def test_reserve_splits_a_line_across_warehouses_by_priority(variant, warehouse, east):
    receive(variant, east, 10)
    receive(variant, warehouse, 3)
    closed = WarehouseFactory(code="SHUT", priority=1, active=False)
    receive(variant, closed, 50)
    order_id = uuid.uuid4()
    result = services.reservation_create(order_id=order_id, lines=[(variant.id, 5)])
    assert [(r.warehouse_id, r.quantity, r.status) for r in result] == [
        (warehouse.id, 3, "pending"),
        (east.id, 2, "pending"),
    ]
    assert level(variant, warehouse) == (3, 3)
    assert level(variant, east) == (10, 2)
    assert level(variant, closed) == (50, 0)
    assert services.availability([variant.id]) == {variant.id: 8}
    movements = StockMovement.objects.filter(kind="reservation", order_id=order_id)
    assert sorted(m.reserved_delta for m in movements) == [2, 3]
    last = OutboxEvent.objects.filter(name="stock.changed").order_by("created_at").last()
    assert last.payload["available"] == 8
    expected = timezone.now() + timedelta(seconds=600)
    assert abs((result[0].expires_at - expected).total_seconds()) < 5


def test_shortfall_names_every_short_variant_and_changes_nothing(stocked, warehouse):
    other = VariantFactory()
    receive(other, warehouse, 1)
    unknown = uuid.uuid4()
    events_before = OutboxEvent.objects.count()
    with pytest.raises(InsufficientStock) as caught:
        services.reservation_create(
            order_id=uuid.uuid4(),
            lines=[(stocked.id, 4), (other.id, 2), (unknown, 1), (stocked.id, 7)],
        )
    assert caught.value.code == "insufficient_stock" and caught.value.http_status == 409
    assert caught.value.details == {
        "items": [
            {"variant_id": str(stocked.id), "requested": 11, "available": 10},
            {"variant_id": str(other.id), "requested": 2, "available": 1},
            {"variant_id": str(unknown), "requested": 1, "available": 0},
        ]
    }
    assert not Reservation.objects.exists()
    assert level(stocked, warehouse) == (10, 0)
    assert OutboxEvent.objects.count() == events_before


def test_reserve_is_idempotent_per_order(stocked, warehouse):
    order_id = uuid.uuid4()
    first = services.reservation_create(order_id=order_id, lines=[(stocked.id, 4)])
    again = services.reservation_create(order_id=order_id, lines=[(stocked.id, 4)])
    assert again == first
    assert level(stocked, warehouse) == (10, 4)


@pytest.mark.parametrize(
    "lines",
    [[], [("not-a-uuid", 1)], [(uuid.uuid4(), 0)], [(uuid.uuid4(), -2)], [(uuid.uuid4(), 1.5)]],
)
def test_reserve_rejects_malformed_lines(db, lines):
    with pytest.raises(InvalidInput):
        services.reservation_create(order_id=uuid.uuid4(), lines=lines)


def test_confirm_turns_reserved_units_into_a_sale(stocked, warehouse):
    order_id = uuid.uuid4()
    services.reservation_create(order_id=order_id, lines=[(stocked.id, 4)])
    confirmed = services.reservation_confirm(order_id=order_id)
    assert isinstance(confirmed, ReservationConfirmation)
    assert confirmed.status == "confirmed"
    assert [(r.quantity, r.status) for r in confirmed.reservations] == [(4, "confirmed")]
    assert level(stocked, warehouse) == (6, 0)
    movement = StockMovement.objects.get(kind="confirmation", order_id=order_id)
    assert (movement.quantity_delta, movement.reserved_delta) == (-4, -4)
    assert services.reservation_confirm(order_id=order_id) == confirmed  # idempotent
    assert level(stocked, warehouse) == (6, 0)


def test_confirm_after_a_release_says_expired_and_changes_nothing(stocked, warehouse):
    order_id = uuid.uuid4()
    created = services.reservation_create(order_id=order_id, lines=[(stocked.id, 3)])
    services.reservation_release(order_id=order_id)
    outcome = services.reservation_confirm(order_id=order_id)
    assert outcome.status == "expired"
    assert [(r.id, r.status) for r in outcome.reservations] == [(created[0].id, "released")]
    assert level(stocked, warehouse) == (10, 0)
    assert not StockMovement.objects.filter(kind="confirmation").exists()


def test_confirm_after_expiry_says_expired_and_a_re_reserved_order_confirms(stocked, warehouse):
    order_id = uuid.uuid4()
    services.reservation_create(order_id=order_id, lines=[(stocked.id, 3)], ttl_seconds=1)
    services.reservations_expire(now=timezone.now() + timedelta(seconds=5))
    assert services.reservation_confirm(order_id=order_id).status == "expired"
    # The caller re-reserves (stock allows) and confirms again: only the new rows are sold.
    again = services.reservation_create(order_id=order_id, lines=[(stocked.id, 3)])
    outcome = services.reservation_confirm(order_id=order_id)
    assert outcome.status == "confirmed"
    assert [r.id for r in outcome.reservations] == [again[0].id]
    assert level(stocked, warehouse) == (7, 0)
    assert services.stock_reconcile() == []


def test_confirm_of_an_order_that_never_reserved_raises_not_found(db):
    with pytest.raises(ReservationNotFound):
        services.reservation_confirm(order_id=uuid.uuid4())


def test_release_returns_reserved_units_and_is_idempotent(stocked, warehouse):
    order_id = uuid.uuid4()
    services.reservation_create(order_id=order_id, lines=[(stocked.id, 4)])
    released = services.reservation_release(order_id=order_id, reason="checkout failed")
    assert [r.status for r in released] == ["released"]
    assert level(stocked, warehouse) == (10, 0)
    assert services.reservation_release(order_id=order_id) == []
    movements = StockMovement.objects.filter(kind="release", order_id=order_id)
    assert [(m.reserved_delta, m.reason) for m in movements] == [(-4, "checkout failed")]


def test_restock_returns_units_to_the_warehouses_they_came_from(variant, warehouse, east):
    receive(variant, warehouse, 2)
    receive(variant, east, 5)
    order_id = uuid.uuid4()
    services.reservation_create(order_id=order_id, lines=[(variant.id, 6)])
    services.reservation_confirm(order_id=order_id)
    assert (level(variant, warehouse), level(variant, east)) == ((0, 0), (1, 0))

    assert services.stock_restock(order_id=order_id, lines=[(variant.id, 3)]) == [
        (variant.id, warehouse.id, 2),
        (variant.id, east.id, 1),
    ]
    assert (level(variant, warehouse), level(variant, east)) == ((2, 0), (2, 0))
    with pytest.raises(InvalidInput) as caught:
        services.stock_restock(order_id=order_id, lines=[(variant.id, 4)])
    assert caught.value.details["lines"][0]["returnable"] == 3
    assert services.stock_restock(order_id=order_id) == [(variant.id, east.id, 3)]
    assert (level(variant, warehouse), level(variant, east)) == ((2, 0), (5, 0))
    assert services.stock_restock(order_id=order_id) == []
    assert services.stock_reconcile() == []


def expired_events():
    return [e.payload for e in OutboxEvent.objects.filter(name="reservation.expired")]


def test_expiry_releases_whole_orders_and_publishes_reservation_expired(variant, warehouse, east):
    receive(variant, warehouse, 4)
    receive(variant, east, 10)
    kept, late = uuid.uuid4(), uuid.uuid4()
    # Two rows: 4 units from MAIN and 2 from EAST.
    late_rows = services.reservation_create(order_id=late, lines=[(variant.id, 6)], ttl_seconds=1)
    services.reservation_create(order_id=kept, lines=[(variant.id, 2)], ttl_seconds=3600)
    assert services.reservations_expire() == 0
    assert expired_events() == []

    assert services.reservations_expire(now=timezone.now() + timedelta(seconds=5)) == 2
    assert expired_events() == [
        {
            "order_id": str(late),
            "reservation_ids": sorted(str(r.id) for r in late_rows),
        }
    ]
    assert level(variant, warehouse) == (4, 0)
    assert level(variant, east) == (10, 2)
    assert set(Reservation.objects.filter(order_id=late).values_list("status", flat=True)) == {
        "released"
    }
    assert Reservation.objects.get(order_id=kept).status == "pending"
    assert [m.reason for m in StockMovement.objects.filter(kind="release", order_id=late)] == [
        "expired",
        "expired",
    ]
    # Nothing left to expire: a second run publishes nothing more.
    assert services.reservations_expire(now=timezone.now() + timedelta(seconds=5)) == 0
    assert len(expired_events()) == 1


def test_an_order_with_one_expired_row_is_released_whole(variant, warehouse, east):
    receive(variant, warehouse, 1)
    receive(variant, east, 5)
    order_id = uuid.uuid4()
    first, second = services.reservation_create(order_id=order_id, lines=[(variant.id, 3)])
    Reservation.objects.filter(id=first.id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.reservations_expire() == 2
    assert [e["reservation_ids"] for e in expired_events()] == [
        sorted([str(first.id), str(second.id)])
    ]
    assert services.availability([variant.id]) == {variant.id: 6}


@pytest.mark.django_db(transaction=True)
def test_expire_command_releases_and_publishes():
    variant = VariantFactory()
    main = WarehouseFactory(code="MAIN")
    receive(variant, main, 5)
    order_id = uuid.uuid4()
    services.reservation_create(order_id=order_id, lines=[(variant.id, 5)], ttl_seconds=60)
    Reservation.objects.filter(order_id=order_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    call_command("expire_reservations")
    assert [e["order_id"] for e in expired_events()] == [str(order_id)]
    assert level(variant, main) == (5, 0)
    assert services.availability([variant.id]) == {variant.id: 5}
    # Committed, so the relay sent it (Celery is eager in tests): handled, not pending.
    assert OutboxEvent.objects.get(name="reservation.expired").status == OutboxEvent.Status.DONE


def test_inside_the_callers_transaction_a_shortfall_keeps_it_usable_and_its_rollback_undoes_all(
    stocked, warehouse, django_capture_on_commit_callbacks
):
    """As checkout calls it: reserve inside an outer transaction that later fails."""
    from django.db import transaction

    events_before = OutboxEvent.objects.count()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.reservation_create(order_id=uuid.uuid4(), lines=[(stocked.id, 6)])
        with pytest.raises(InsufficientStock):
            services.reservation_create(order_id=uuid.uuid4(), lines=[(stocked.id, 5)])
        # The refused call rolled back only its own savepoint: the caller goes on.
        assert services.availability([stocked.id]) == {stocked.id: 4}
        raise RuntimeError("the payment intent could not be created")
    assert callbacks == []  # the low-stock email of the reservation went with it
    level = StockLevel.objects.get(variant_id=stocked.id, warehouse=warehouse)
    assert (level.quantity, level.reserved) == (10, 0)
    assert not Reservation.objects.exists()
    assert OutboxEvent.objects.count() == events_before
    assert services.stock_reconcile() == []
