"""Handlers of outbox events (connected when the app is ready)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from apps.inventory.services import low_stock_alert_send
from apps.inventory.signals import LOW_STOCK
from shop import events


@events.handler(LOW_STOCK)
def low_stock_alert_email(event_id: UUID, payload: dict[str, Any]) -> None:
    """Email the staff about the alert. Idempotent twice over: the outbox applies the event
    once, and the alert is marked emailed in the same transaction as the send. A mail failure
    raises, so the outbox retries the event with backoff."""
    low_stock_alert_send(alert_id=payload["alert_id"])
