"""Inventory's public interface: what other apps, the API, the admin and commands call.

Consistency (DESIGN.md): every change is one PostgreSQL transaction (joining the caller's),
stock rows are locked with SELECT … FOR UPDATE in primary-key order (after an order's
reservation rows, when those are locked too), CHECK constraints keep 0 <= reserved <=
quantity, every change writes the ledger and publishes `stock.changed` (with a version from
the database) through the outbox. Event names and payloads: apps.inventory.signals.
"""

from apps.inventory.services.alerts import low_stock_alert_send, low_stock_recipients
from apps.inventory.services.info import (
    ReservationConfirmation,
    ReservationInfo,
    StockDifference,
    StockLevelInfo,
    WarehouseInfo,
)
from apps.inventory.services.reservations import (
    reservation_confirm,
    reservation_create,
    reservation_release,
    reservations_expire,
    stock_restock,
)
from apps.inventory.services.seeding import stock_demo_seed
from apps.inventory.services.stock import (
    movements_list,
    stock_adjust,
    stock_levels,
    stock_reconcile,
)
from apps.inventory.services.stock_events import availability
from apps.inventory.services.warehouses import (
    warehouse_create,
    warehouse_list,
    warehouse_update,
)

__all__ = [
    "ReservationConfirmation",
    "ReservationInfo",
    "StockDifference",
    "StockLevelInfo",
    "WarehouseInfo",
    "availability",
    "low_stock_alert_send",
    "low_stock_recipients",
    "reservation_confirm",
    "reservation_create",
    "reservation_release",
    "reservations_expire",
    "stock_demo_seed",
    "stock_restock",
    "movements_list",
    "stock_adjust",
    "stock_levels",
    "stock_reconcile",
    "warehouse_create",
    "warehouse_list",
    "warehouse_update",
]
