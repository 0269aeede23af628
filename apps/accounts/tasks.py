"""Celery tasks of accounts: take ids, call one service. Email goes to the `email` queue."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from apps.accounts import services

# Outside failures only (mail server down or refusing); the services are idempotent enough
# to retry: each attempt issues a fresh token and voids the previous one.
_EMAIL_RETRY = {
    "queue": "email",
    "acks_late": True,
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(**_EMAIL_RETRY)
def email_verification_send_task(user_id: str) -> bool:
    return services.email_verification_send(user_id=user_id)


@shared_task(**_EMAIL_RETRY)
def password_reset_email_send_task(user_id: str) -> bool:
    return services.password_reset_email_send(user_id=user_id)
