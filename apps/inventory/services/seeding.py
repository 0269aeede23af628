"""Demo stock for `seed_demo`: two warehouses and random stock for many variants, in bulk."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from uuid import UUID

from django.conf import settings
from django.db import transaction

from apps.inventory.models import StockLevel, StockMovement, Warehouse

DEMO_WAREHOUSES = (("MAIN", "Main warehouse", 10), ("EAST", "East coast warehouse", 20))
BATCH = 5000


def stock_demo_seed(
    *,
    variant_ids: Iterable[UUID],
    progress: Callable[[int, int], None] | None = None,
    seed: int | None = None,
) -> dict[UUID, int]:
    """Create the MAIN and EAST warehouses (if missing) and random stock (0–60 units, about
    one in ten levels empty) for each variant that has no stock yet, with `receipt`
    movements so the ledger reconciles. Bulk inserts in batches of 5000, one transaction
    per batch; `progress(done, total)` after each.

    Publishes NO `stock.changed` events (one per variant would flood the outbox at 100k+
    variants): it returns {variant_id: available} for the seeded variants, for the caller to
    hand to the catalog's bulk update of its stock copy.
    """
    rng = random.Random(seed)
    warehouses = []
    for code, name, priority in DEMO_WAREHOUSES:
        warehouse, _ = Warehouse.objects.get_or_create(
            code=code, defaults={"name": name, "priority": priority}
        )
        warehouses.append(warehouse)
    ids = list(dict.fromkeys(UUID(str(v)) for v in variant_ids))
    threshold = settings.LOW_STOCK_THRESHOLD
    result: dict[UUID, int] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        have = set(
            StockLevel.objects.filter(variant_id__in=chunk).values_list("variant_id", flat=True)
        )
        levels, movements = [], []
        for variant_id in chunk:
            if variant_id in have:
                continue
            total = 0
            for warehouse in warehouses:
                quantity = 0 if rng.random() < 0.1 else rng.randint(1, 60)
                total += quantity
                levels.append(
                    StockLevel(
                        variant_id=variant_id,
                        warehouse=warehouse,
                        quantity=quantity,
                        low_stock_armed=quantity > threshold,
                    )
                )
                if quantity:
                    movements.append(
                        StockMovement(
                            variant_id=variant_id,
                            warehouse=warehouse,
                            kind=StockMovement.Kind.RECEIPT,
                            quantity_delta=quantity,
                            reason="demo seed",
                        )
                    )
            result[variant_id] = total
        with transaction.atomic():
            StockLevel.objects.bulk_create(levels, batch_size=BATCH)
            StockMovement.objects.bulk_create(movements, batch_size=BATCH)
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    return result
