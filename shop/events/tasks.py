"""Outbox tasks; they run on the `events` queue (routed in shop/celery.py)."""

from celery import shared_task

from shop.events.outbox import HandlerFailed, event_dispatch, events_sweep


@shared_task(bind=True, acks_late=True, max_retries=None)
def event_dispatch_task(self, event_id: str) -> str | None:
    try:
        return event_dispatch(event_id)
    except HandlerFailed as failed:
        # Exponential backoff: 2, 4, 8 … seconds, at most five minutes between attempts.
        raise self.retry(countdown=min(2**failed.attempts, 300), exc=failed) from failed


@shared_task(ignore_result=True)
def events_sweep_task() -> int:
    return events_sweep()
