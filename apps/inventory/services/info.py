"""The plain data inventory hands to other apps, its API and its commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID


@dataclass(frozen=True)
class WarehouseInfo:
    id: UUID
    code: str
    name: str
    priority: int
    active: bool


@dataclass(frozen=True)
class StockLevelInfo:
    variant_id: UUID
    warehouse_id: UUID
    quantity: int
    reserved: int
    available: int  # quantity - reserved, in this warehouse


@dataclass(frozen=True)
class ReservationInfo:
    id: UUID
    order_id: UUID
    variant_id: UUID
    warehouse_id: UUID
    quantity: int
    status: str  # pending | confirmed | released
    expires_at: datetime


@dataclass(frozen=True)
class ReservationConfirmation:
    """What `reservation_confirm` did for an order.

    status "confirmed": the order's units are sold (now, or by an earlier confirm);
    `reservations` are its confirmed rows. status "expired": its reservations had been
    released (by expiry or by `reservation_release`) before the confirm; nothing was sold,
    `reservations` are the released rows, and the caller re-reserves or refunds.
    """

    status: Literal["confirmed", "expired"]
    reservations: tuple[ReservationInfo, ...]


@dataclass(frozen=True)
class StockDifference:
    """A level whose quantity or reserved differs from the sums of its ledger."""

    variant_id: UUID
    warehouse_id: UUID
    quantity: int
    ledger_quantity: int
    reserved: int
    ledger_reserved: int
