"""Inventory's gauges, read when /metrics is scraped (shop.metrics.scrape_gauge)."""

from __future__ import annotations

from django.utils import timezone

from apps.inventory.models import Reservation
from shop import metrics


@metrics.scrape_gauge(
    "shop_reservations_held",
    "Stock reservations held for orders not yet paid (pending).",
)
def reservations_held() -> float:
    return Reservation.objects.filter(status=Reservation.Status.PENDING).count()


@metrics.scrape_gauge(
    "shop_reservations_overdue",
    "Pending reservations past their expiry: the expiry sweep (Celery beat, every minute) is "
    "not keeping up or not running, and their stock is held for nobody.",
)
def reservations_overdue() -> float:
    pending = Reservation.objects.filter(status=Reservation.Status.PENDING)
    return pending.filter(expires_at__lt=timezone.now()).count()
