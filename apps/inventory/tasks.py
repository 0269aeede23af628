"""Celery tasks: thin, they take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from apps.inventory import services


@shared_task(queue="inventory", acks_late=True, ignore_result=True)
def reservations_expire_task() -> int:
    return services.reservations_expire()


@shared_task(
    queue="email",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def low_stock_alert_email_task(alert_id: str) -> bool:
    return services.low_stock_alert_send(alert_id=alert_id)
