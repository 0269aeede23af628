"""Handlers of outbox events (connected by PaymentsConfig.ready via BoundedContextConfig).

`refund.requested` is payments' own: the refund was recorded in the transaction that decided
it (a cancellation, a late payment, staff), and is made here, after that commit, outside any
lock of ours. A provider outage fails the handler, which the outbox retries with backoff;
`refunds_retry_task` (beat) picks up what is still pending after that.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from apps.payments import services
from apps.payments.signals import REFUND_REQUESTED
from shop import events


@events.handler(REFUND_REQUESTED)
def refund_made_on_refund_requested(event_id: UUID, payload: dict[str, Any]) -> None:
    services.refund_execute(refund_id=payload["refund_id"])
