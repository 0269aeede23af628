"""Model signals of the promotions (connected when the app is ready)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.promotions.models import Promotion
from apps.promotions.services.pricing import promotions_cache_invalidate_on_commit


@receiver(post_save, sender=Promotion, dispatch_uid="promotions.snapshot.saved")
@receiver(post_delete, sender=Promotion, dispatch_uid="promotions.snapshot.deleted")
def promotion_changed(sender, **kwargs) -> None:
    """Every promotion write (services, admin, seeds) drops the cached snapshot on commit."""
    promotions_cache_invalidate_on_commit()
