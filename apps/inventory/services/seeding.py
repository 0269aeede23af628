"""Demo stock for `seed_demo`: two warehouses and random stock for many variants, in bulk."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from uuid import UUID, uuid4

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from apps.inventory.models import StockLevel, StockMovement, Warehouse
from apps.inventory.services.stock_events import stock_version_next

DEMO_WAREHOUSES = (("MAIN", "Main warehouse", 10), ("EAST", "East coast warehouse", 20))
BATCH = 5000


def _copy(model: type[models.Model], columns: list[str], rows: list[tuple], **constants):
    """COPY rows into the model's table (PostgreSQL's bulk path, several times faster than
    INSERT at 100k+ rows); `constants` are columns with one value for every row."""
    names = [*columns, *constants]
    sql = f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN"
    tail = tuple(constants.values())
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row + tail)


def stock_demo_seed(
    *,
    variant_ids: Iterable[UUID],
    progress: Callable[[int, int], None] | None = None,
    seed: int | None = None,
) -> dict[UUID, tuple[int, int]]:
    """Create the MAIN and EAST warehouses (if missing) and random stock (0–60 units, about
    one in ten levels empty) for each variant that has no stock yet, with `receipt`
    movements so the ledger reconciles. COPY in batches of 5000, one transaction
    per batch; `progress(done, total)` after each.

    Publishes NO `stock.changed` events (one per variant would flood the outbox at 100k+
    variants): it returns {variant_id: (available, version)} for the seeded variants, for
    the caller to hand to the catalog's bulk update of its stock copy. `version` is taken
    from the stock version sequence after the batch's rows are written, in its transaction,
    so any later change of those variants carries a higher one, as its event would.
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
    result: dict[UUID, tuple[int, int]] = {}
    now = timezone.now()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        have = set(
            StockLevel.objects.filter(variant_id__in=chunk).values_list("variant_id", flat=True)
        )
        levels, movements, totals = [], [], {}
        for variant_id in chunk:
            if variant_id in have:
                continue
            total = 0
            for warehouse in warehouses:
                quantity = 0 if rng.random() < 0.1 else rng.randint(1, 60)
                total += quantity
                levels.append((variant_id, warehouse.id, quantity, 0, quantity > threshold))
                if quantity:
                    movements.append(
                        (uuid4(), variant_id, warehouse.id, StockMovement.Kind.RECEIPT, quantity, 0)
                    )
            totals[variant_id] = total
        with transaction.atomic():
            _copy(
                StockLevel,
                ["variant_id", "warehouse_id", "quantity", "reserved", "low_stock_armed"],
                levels,
                updated_at=now,
            )
            _copy(
                StockMovement,
                ["id", "variant_id", "warehouse_id", "kind", "quantity_delta", "reserved_delta"],
                movements,
                reason="demo seed",
                created_at=now,
            )
            version = stock_version_next()
        result.update((variant_id, (total, version)) for variant_id, total in totals.items())
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    return result
