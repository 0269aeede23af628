"""Celery tasks of payments: take ids, call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def refunds_retry_task() -> int:
    """Beat: refunds still pending (the provider was down) are tried again."""
    from apps.payments.services import refunds_retry

    return refunds_retry()
