"""Handlers of other apps' events (connected when the app is ready)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.catalog.models import Category
from apps.catalog.services import category_tree_invalidate_on_commit, variant_stock_apply
from shop import events

logger = logging.getLogger("apps.catalog")


@receiver(post_save, sender=Category, dispatch_uid="catalog.category_tree.saved")
@receiver(post_delete, sender=Category, dispatch_uid="catalog.category_tree.deleted")
def category_changed(sender, **kwargs) -> None:
    """Every category write drops the cached tree on commit (the services, the admin, seeds)."""
    category_tree_invalidate_on_commit()


@events.handler("stock.changed")
def variant_stock_changed(event_id: UUID, payload: dict[str, Any]) -> None:
    """Inventory's `{"variant_id", "available", "version", "at"}`: update the catalog's copy.
    The service ignores versions not above the one it has, so re-deliveries and reordering
    are harmless."""
    if "version" not in payload:
        # Written before stock events carried versions: it cannot be ordered, and a newer
        # (versioned) event of the variant follows the next stock change.
        logger.info("stock.changed %s without a version ignored", event_id)
        return
    variant_stock_apply(
        variant_id=payload["variant_id"],
        available=payload["available"],
        version=payload["version"],
        at=payload.get("at"),
    )
