"""Celery tasks: thin, they take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from apps.inventory import services


@shared_task(queue="inventory", acks_late=True, ignore_result=True)
def reservations_expire_task() -> int:
    return services.reservations_expire()
