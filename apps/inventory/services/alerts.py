"""Low-stock alert email."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.inventory.models import LowStockAlert


def low_stock_recipients() -> list[str]:
    """settings.STAFF_ALERT_EMAILS, or else the emails of active staff users."""
    if settings.STAFF_ALERT_EMAILS:
        return list(settings.STAFF_ALERT_EMAILS)
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(staff.values_list("email", flat=True))


def low_stock_alert_send(*, alert_id: UUID | str) -> bool:
    """Email one low-stock alert to the staff, once (marked `emailed_at`).

    Returns False when the alert is unknown, already emailed, or nobody is to be told.
    A mail failure propagates (the `stock.low` event is retried) and leaves the alert
    unmarked.
    """
    with transaction.atomic():
        alert = (
            LowStockAlert.objects.select_for_update()
            .select_related("warehouse")
            .filter(id=alert_id, emailed_at__isnull=True)
            .first()
        )
        if alert is None:
            return False
        recipients = low_stock_recipients()
        if not recipients:
            return False
        send_mail(
            subject=f"[{settings.SHOP_NAME}] Low stock: variant {alert.variant_id} "
            f"in {alert.warehouse.code}",
            message=(
                f"Variant {alert.variant_id} has {alert.available} unit(s) available in "
                f"warehouse {alert.warehouse.code} ({alert.warehouse.name}), at or below the "
                f"threshold of {alert.threshold}.\nRaised at {alert.created_at.isoformat()}."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
        alert.emailed_at = timezone.now()
        alert.save(update_fields=["emailed_at"])
    return True
