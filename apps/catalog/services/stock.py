"""The catalog's copy of availability, fed by inventory's `stock.changed` events."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from apps.catalog.models import Product, Variant
from apps.catalog.services.detail import product_cache_invalidate_on_commit
from shop import events

logger = logging.getLogger("apps.catalog")


def _aware(at: datetime | str) -> datetime:
    value = datetime.fromisoformat(at) if isinstance(at, str) else at
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def variant_stock_apply(
    *,
    variant_id: UUID | str,
    available: int,
    version: int,
    at: datetime | str | None = None,
) -> bool:
    """Record that `available` units of a variant could be sold as of stock `version`.

    Applied only when `version` is higher than the one the variant has (inventory takes it
    from a database sequence under the variant's row locks), so late, reordered or repeated
    events change nothing, whatever their `at` (the sending host's clock, kept only for
    information). Recomputes the product's `in_stock`, publishes `product.updated` when that
    flag flips (search shows it) and drops the cached detail on commit. Returns whether the
    event was applied; an unknown variant is ignored.
    """
    version = int(version)
    available = int(available)
    product_id = Variant.objects.filter(id=variant_id).values_list("product_id", flat=True).first()
    if product_id is None:
        logger.info("stock.changed for unknown variant %s ignored", variant_id)
        return False
    with transaction.atomic():
        # Product row first, then the variant: the same order as product writes.
        product = Product.objects.select_for_update().filter(id=product_id).first()
        variant = Variant.objects.select_for_update().filter(id=variant_id).first()
        if product is None or variant is None:
            return False
        if variant.stock_version is not None and version <= variant.stock_version:
            return False
        Variant.objects.filter(id=variant.id).update(
            available=available,
            in_stock=available > 0,
            stock_version=version,
            stock_updated_at=_aware(at) if at is not None else variant.stock_updated_at,
        )
        in_stock = Variant.objects.filter(product_id=product_id, in_stock=True).exists()
        flipped = in_stock != product.in_stock
        if flipped:
            Product.objects.filter(id=product_id).update(in_stock=in_stock)
            events.publish("product.updated", {"id": str(product_id)})
        # The detail shows `available`; lists show only the product's in_stock.
        product_cache_invalidate_on_commit([product_id], listing=flipped)
    return True


def products_in_stock_refresh() -> int:
    """Recompute every product's `in_stock` from its variants (after bulk stock loads)."""
    stale = Product.objects.exclude(
        in_stock=Exists(Variant.objects.filter(product_id=OuterRef("pk"), in_stock=True))
    )
    with transaction.atomic():
        ids = list(stale.values_list("id", flat=True))
        Product.objects.filter(id__in=ids).update(
            in_stock=Exists(Variant.objects.filter(product_id=OuterRef("pk"), in_stock=True))
        )
        product_cache_invalidate_on_commit(ids)
    return len(ids)


def variant_ids_all() -> list[UUID]:
    """Every variant id (operators' bulk jobs such as the demo stock seed)."""
    return list(Variant.objects.order_by("id").values_list("id", flat=True))


BULK_BATCH = 20_000


def variants_stock_bulk_apply(*, stock: Mapping[UUID, tuple[int, int]], at: datetime) -> int:
    """The bulk form of `variant_stock_apply`, for stock loaded without events (demo seed).

    `stock` maps variant ids to `(available, version)`. Sets `available`/`in_stock` of many
    variants in set-based UPDATEs, with the same rule (only where the version is higher than
    what a variant has), then recomputes products' `in_stock`. Publishes no events: callers
    reindex search separately. Returns the number of variants updated.
    """
    at = _aware(at)
    items = list(stock.items())
    updated = 0
    for start in range(0, len(items), BULK_BATCH):
        batch = items[start : start + BULK_BATCH]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE catalog_variant AS v
                   SET available = d.available, in_stock = d.available > 0,
                       stock_version = d.version, stock_updated_at = %s
                  FROM unnest(%s::uuid[], %s::int[], %s::bigint[]) AS d(id, available, version)
                 WHERE v.id = d.id
                   AND (v.stock_version IS NULL OR v.stock_version < d.version)
                """,
                [
                    at,
                    [str(i) for i, _ in batch],
                    [int(available) for _, (available, _) in batch],
                    [int(version) for _, (_, version) in batch],
                ],
            )
            updated += cursor.rowcount
    products_in_stock_refresh()
    return updated
