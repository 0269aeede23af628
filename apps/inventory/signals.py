"""What inventory tells higher apps (declarations only; they connect in their receivers.py).

Inventory sends no in-process signals: everything it tells others must not be lost, so it
goes through the outbox (`shop.events`), written in the transaction of the change. Handlers
register with `@events.handler(NAME)` and must be idempotent: an event may be delivered
more than once (the sweep, a replay) and is retried when a handler fails.
"""

RESERVATION_EXPIRED = "reservation.expired"
"""Expiry released every pending reservation of one order (its time ran out unpaid).

Payload: `{"order_id": "<uuid>", "reservation_ids": ["<uuid>", ...]}`, the released rows in
primary-key order. An order is released wholly or not at all: expiry and
`reservation_confirm` lock all of an order's rows together. Handlers must be idempotent (by
event id, or by checking the order's state): the same event may arrive twice, and an order
that was re-reserved may expire again later (a new event with new reservation ids).
"""

STOCK_CHANGED = "stock.changed"
"""What a variant can sell changed.

Payload: `{"variant_id": "<uuid>", "available": int, "version": int, "at": "<iso time>"}`.
`available` is the sum of quantity - reserved over active warehouses as of the change;
`version` comes from a database sequence taken under the variant's stock row locks, so a
later change of the variant always carries a higher version (order by it, never by `at`,
which is the app server's clock and only informational). Handlers keep the highest version.
"""

LOW_STOCK = "stock.low"
"""A level's available units fell to or below its threshold (once per crossing).

Payload: `{"alert_id": "<uuid>", "variant_id": "<uuid>", "warehouse_id": "<uuid>",
"available": int, "threshold": int}`. Inventory's own receiver emails the staff.
"""
