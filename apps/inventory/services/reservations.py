"""Reservations: hold stock for an order until payment confirms it, or release it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.inventory.exceptions import InsufficientStock, InvalidInput, ReservationNotFound
from apps.inventory.models import Reservation, StockLevel, StockMovement
from apps.inventory.services.info import ReservationConfirmation, ReservationInfo
from apps.inventory.services.stock_events import stock_changes_record
from apps.inventory.signals import RESERVATION_EXPIRED
from shop.errors import parse_uuid

Kind = StockMovement.Kind
Status = Reservation.Status
# Orders released per expiry transaction: their reservation and stock rows stay locked until
# it commits, so checkouts of the same variants wait at most for one batch.
EXPIRE_ORDERS_BATCH = 100


def reservation_info(reservation: Reservation) -> ReservationInfo:
    return ReservationInfo(
        id=reservation.id,
        order_id=reservation.order_id,
        variant_id=reservation.variant_id,
        warehouse_id=reservation.warehouse_id,
        quantity=reservation.quantity,
        status=reservation.status,
        expires_at=reservation.expires_at,
    )


def _merge_lines(lines: Sequence[tuple[UUID, int]]) -> dict[UUID, int]:
    """{variant_id: quantity} in first-seen order; a variant named twice is summed."""
    if not lines:
        raise InvalidInput(details={"lines": ["At least one line is required."]})
    merged: dict[UUID, int] = {}
    for position, line in enumerate(lines):
        try:
            variant_id, quantity = line
        except (TypeError, ValueError):
            raise InvalidInput(details={"lines": [f"Line {position}: (variant_id, quantity)."]})
        variant_id = parse_uuid(variant_id, "variant_id")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise InvalidInput(
                details={"quantity": [f"Line {position}: must be a positive integer."]}
            )
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    return merged


def _lock_levels(variant_ids) -> list[StockLevel]:
    """SELECT … FOR UPDATE every level of the variants, in primary-key order: all stock locks
    in inventory take rows in this one order, so concurrent transactions cannot deadlock on
    them, and all changes to one variant serialize (the version of its stock.changed events,
    taken under these locks, grows with every change). A transaction that also locks
    reservation rows takes those first (confirm, release, expiry), never after stock rows."""
    levels = StockLevel.objects.select_for_update(of=("self",)).select_related("warehouse")
    return list(levels.filter(variant_id__in=variant_ids).order_by("pk"))


def _lock_level_pairs(pairs: set[tuple[UUID, UUID]]) -> dict[tuple[UUID, UUID], StockLevel]:
    """Lock (in the one order of `_lock_levels`) and return the levels of these
    (variant_id, warehouse_id) pairs, keyed by the pair."""
    return {
        (level.variant_id, level.warehouse_id): level
        for level in _lock_levels({variant_id for variant_id, _ in pairs})
        if (level.variant_id, level.warehouse_id) in pairs
    }


def reservation_create(
    *,
    order_id: UUID,
    lines: Sequence[tuple[UUID, int]],
    ttl_seconds: int | None = None,
    new_order: bool = False,
) -> list[ReservationInfo]:
    """Reserve every line for `order_id` until now + ttl (default RESERVATION_TTL_SECONDS).

    All or nothing, in one transaction that joins the caller's: the stock rows of every line
    are locked in primary-key order, each line is allocated over ACTIVE warehouses by
    priority and split when one warehouse lacks enough. Raises InsufficientStock listing
    every short variant `{variant_id, requested, available}` and changes nothing; InvalidInput
    for malformed lines. Idempotent per order: when the order already has pending
    reservations they are returned and nothing new is reserved. `new_order=True`: the caller
    drew `order_id` itself in this transaction (checkout), so it can have none and that
    lookup (a query, under the stock locks) is skipped.
    """
    order_id = parse_uuid(order_id, "order_id")
    wanted = _merge_lines(lines)
    ttl = settings.RESERVATION_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        raise InvalidInput(details={"ttl_seconds": ["Must be a positive integer."]})

    with transaction.atomic():
        levels = _lock_levels(list(wanted))
        # Checked after the locks: a concurrent call for the same order has committed by now.
        existing = (
            []
            if new_order
            else list(Reservation.objects.filter(order_id=order_id, status=Status.PENDING))
        )
        if existing:
            return [reservation_info(r) for r in existing]

        by_variant: dict[UUID, list[StockLevel]] = defaultdict(list)
        for level in levels:
            if level.warehouse.active:
                by_variant[level.variant_id].append(level)
        short = []
        for variant_id, requested in wanted.items():
            available = sum(max(level.available, 0) for level in by_variant[variant_id])
            if available < requested:
                short.append(
                    {"variant_id": str(variant_id), "requested": requested, "available": available}
                )
        if short:
            raise InsufficientStock(
                "Not enough stock for " + ", ".join(item["variant_id"] for item in short) + ".",
                details={"items": short},
            )

        now = timezone.now()
        expires_at = now + timedelta(seconds=ttl)
        reservations, movements, touched = [], [], []
        for variant_id, requested in wanted.items():
            remaining = requested
            candidates = sorted(
                by_variant[variant_id], key=lambda lv: (lv.warehouse.priority, lv.warehouse.code)
            )
            for level in candidates:
                take = min(level.available, remaining)
                if take <= 0:
                    continue
                level.reserved += take
                remaining -= take
                touched.append(level)
                reservations.append(
                    Reservation(
                        order_id=order_id,
                        variant_id=variant_id,
                        warehouse_id=level.warehouse_id,
                        quantity=take,
                        expires_at=expires_at,
                    )
                )
                movements.append(
                    StockMovement(
                        variant_id=variant_id,
                        warehouse_id=level.warehouse_id,
                        kind=Kind.RESERVATION,
                        reserved_delta=take,
                        order_id=order_id,
                    )
                )
                if remaining == 0:
                    break
        Reservation.objects.bulk_create(reservations)
        stock_changes_record(touched, movements)
    return [reservation_info(r) for r in reservations]


def _lock_reservations(order_id: UUID, *statuses: str) -> list[Reservation]:
    """Lock the order's reservation rows (all of them, or those in `statuses`) in one
    statement, in primary-key order, as expiry does: an order is settled as a whole."""
    rows = Reservation.objects.select_for_update(of=("self",)).select_related("warehouse")
    rows = rows.filter(order_id=order_id)
    if statuses:
        rows = rows.filter(status__in=statuses)
    return list(rows.order_by("pk"))


def _settle(
    reservations: list[Reservation],
    *,
    kind: str,
    reason: str = "",
    also: Sequence[tuple[str, dict[str, Any]]] = (),
) -> None:
    """Confirm or release locked pending reservations: update their levels (locked after the
    reservation rows), write the ledger, publish stock.changed and the events in `also`."""
    if not reservations:
        return
    levels = _lock_level_pairs({(r.variant_id, r.warehouse_id) for r in reservations})
    now = timezone.now()
    movements = []
    for reservation in reservations:
        level = levels[(reservation.variant_id, reservation.warehouse_id)]
        level.reserved -= reservation.quantity
        quantity_delta = -reservation.quantity if kind == Kind.CONFIRMATION else 0
        level.quantity += quantity_delta
        reservation.status = Status.CONFIRMED if kind == Kind.CONFIRMATION else Status.RELEASED
        reservation.updated_at = now
        movements.append(
            StockMovement(
                variant_id=reservation.variant_id,
                warehouse_id=reservation.warehouse_id,
                kind=kind,
                quantity_delta=quantity_delta,
                reserved_delta=-reservation.quantity,
                reason=reason[:255],
                order_id=reservation.order_id,
            )
        )
    Reservation.objects.bulk_update(reservations, ["status", "updated_at"])
    stock_changes_record(list(levels.values()), movements, also=also)


def reservation_confirm(*, order_id: UUID) -> ReservationConfirmation:
    """Payment succeeded: sell what the order holds, or say that it no longer holds it.

    Locks ALL of the order's reservation rows together (primary-key order, as expiry does),
    then its stock rows, so the order is confirmed wholly or not at all:
    - pending reservations become sales (quantity and reserved both drop; `confirmation`
      movements), even when past `expires_at` but not yet released → status "confirmed"
      with the order's confirmed reservations; an already confirmed order answers the same
      (idempotent);
    - reservations released before (by expiry or `reservation_release`) → status "expired"
      with the released reservations; nothing changes, and the caller re-reserves or refunds.
    Raises ReservationNotFound (404) when the order never reserved anything.
    """
    order_id = parse_uuid(order_id, "order_id")
    with transaction.atomic():
        rows = _lock_reservations(order_id)
        if not rows:
            raise ReservationNotFound(details={"order_id": str(order_id)})
        pending = [r for r in rows if r.status == Status.PENDING]
        _settle(pending, kind=Kind.CONFIRMATION)
    confirmed = tuple(reservation_info(r) for r in rows if r.status == Status.CONFIRMED)
    if confirmed:
        return ReservationConfirmation(status="confirmed", reservations=confirmed)
    return ReservationConfirmation(
        status="expired", reservations=tuple(reservation_info(r) for r in rows)
    )


def reservation_release(*, order_id: UUID, reason: str = "") -> list[ReservationInfo]:
    """Release the order's pending reservations (cancelled or failed checkout): reserved
    drops, `release` movements. Idempotent: returns what it released, [] when nothing was
    pending. Confirmed reservations are untouched (use stock_restock for those)."""
    order_id = parse_uuid(order_id, "order_id")
    with transaction.atomic():
        pending = _lock_reservations(order_id, Status.PENDING)
        _settle(pending, kind=Kind.RELEASE, reason=reason or "released")
    return [reservation_info(r) for r in pending]


def stock_restock(
    *, order_id: UUID, lines: Sequence[tuple[UUID, int]] | None = None, reason: str = ""
) -> list[tuple[UUID, UUID, int]]:
    """Put confirmed (sold) units of an order back into stock: returns and cancellations
    after payment. Each unit goes back to the warehouse it was taken from (`return`
    movements). `lines` = [(variant_id, quantity)], or None for everything not yet returned.

    Returns [(variant_id, warehouse_id, quantity)] restocked. Raises InvalidInput (field
    `lines`) when a line asks for more than was confirmed and not yet returned; nothing is
    written then.
    """
    order_id = parse_uuid(order_id, "order_id")
    with transaction.atomic():
        # Locking the order's confirmed reservations serializes restocks of one order.
        confirmed = _lock_reservations(order_id, Status.CONFIRMED)
        returned = defaultdict(int)
        for row in (
            StockMovement.objects.filter(order_id=order_id, kind=Kind.RETURN)
            .order_by()
            .values("variant_id", "warehouse_id")
            .annotate(total=Sum("quantity_delta"))
        ):
            returned[(row["variant_id"], row["warehouse_id"])] = row["total"]
        returnable: dict[UUID, list[list]] = defaultdict(list)
        sold = defaultdict(int)
        # Units go back to the preferred warehouses first (a deterministic plan).
        confirmed.sort(key=lambda r: (r.warehouse.priority, r.warehouse.code))
        for reservation in confirmed:
            sold[(reservation.variant_id, reservation.warehouse_id)] += reservation.quantity
        for (variant_id, warehouse_id), quantity in sold.items():
            left = quantity - returned[(variant_id, warehouse_id)]
            if left > 0:
                returnable[variant_id].append([warehouse_id, left])

        if lines is None:
            wanted = {v: sum(left for _, left in slots) for v, slots in returnable.items()}
        else:
            wanted = _merge_lines(lines)
        too_many = [
            {
                "variant_id": str(variant_id),
                "requested": quantity,
                "returnable": sum(left for _, left in returnable.get(variant_id, [])),
            }
            for variant_id, quantity in wanted.items()
            if quantity > sum(left for _, left in returnable.get(variant_id, []))
        ]
        if too_many:
            raise InvalidInput(
                "More units than were sold and not yet returned.",
                details={"lines": too_many},
            )

        plan: list[tuple[UUID, UUID, int]] = []
        for variant_id, quantity in wanted.items():
            for warehouse_id, left in returnable[variant_id]:
                take = min(left, quantity)
                if take:
                    plan.append((variant_id, warehouse_id, take))
                    quantity -= take
        if not plan:
            return []
        levels = _lock_level_pairs(
            {(variant_id, warehouse_id) for variant_id, warehouse_id, _ in plan}
        )
        movements = []
        for variant_id, warehouse_id, quantity in plan:
            level = levels[(variant_id, warehouse_id)]
            level.quantity += quantity
            movements.append(
                StockMovement(
                    variant_id=variant_id,
                    warehouse_id=warehouse_id,
                    kind=Kind.RETURN,
                    quantity_delta=quantity,
                    reason=(reason or "returned")[:255],
                    order_id=order_id,
                )
            )
        stock_changes_record(list(levels.values()), movements)
    return plan


def reservations_expire(*, now: datetime | None = None) -> int:
    """Release the pending reservations of every order whose reservation time has passed
    (`release` movements, reason "expired"), and publish `reservation.expired` per order in
    the same transaction (see apps.inventory.signals: orders cancels the unpaid order).

    Order by order, never row by row: all pending rows of an order are locked together in
    one statement (primary-key order, as `reservation_confirm`), then their stock rows, so an
    order is released wholly or — when a payment confirmed it first — not at all. Runners
    that meet the same orders wait for each other and release each reservation once.
    Returns the number of reservations released.
    """
    now = now or timezone.now()
    released = 0
    while True:
        order_ids = list(
            Reservation.objects.filter(status=Status.PENDING, expires_at__lte=now)
            .order_by("order_id")
            .values_list("order_id", flat=True)
            .distinct()[:EXPIRE_ORDERS_BATCH]
        )
        if not order_ids:
            return released
        with transaction.atomic():
            rows = list(
                Reservation.objects.select_for_update(of=("self",))
                .filter(order_id__in=order_ids, status=Status.PENDING)
                .order_by("pk")
            )
            by_order: dict[UUID, list[Reservation]] = defaultdict(list)
            for row in rows:
                by_order[row.order_id].append(row)
            # Re-checked under the locks: a payment may have confirmed an order meanwhile.
            expired = {
                order_id: group
                for order_id, group in by_order.items()
                if any(r.expires_at <= now for r in group)
            }
            batch = [r for group in expired.values() for r in group]
            _settle(
                batch,
                kind=Kind.RELEASE,
                reason="expired",
                also=[
                    (
                        RESERVATION_EXPIRED,
                        {"order_id": str(order_id), "reservation_ids": [str(r.id) for r in group]},
                    )
                    for order_id, group in sorted(expired.items(), key=lambda item: str(item[0]))
                ],
            )
        released += len(batch)
        if len(order_ids) < EXPIRE_ORDERS_BATCH:
            return released
