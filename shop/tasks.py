"""The shop's own periodic tasks (beat schedule in shop/celery.py)."""

from celery import shared_task

from shop.retention import records_purge


@shared_task(ignore_result=True)
def records_purge_task() -> dict[str, int]:
    counts = records_purge()
    return {
        "idempotency_records": counts.idempotency_records,
        "outbox_events": counts.outbox_events,
    }
