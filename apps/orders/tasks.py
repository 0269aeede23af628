"""Celery tasks of orders: take ids, call one service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task


@shared_task(
    queue="email",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def order_email_send_task(order_id: str, kind: str, reference: str = "") -> bool:
    from apps.orders.services import order_email_send

    return order_email_send(order_id=order_id, kind=kind, reference=reference)
