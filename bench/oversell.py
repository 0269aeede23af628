"""`oversell`: buyers race for the last units through `reservation_create`, in-process.

Single line: one variant with exactly 50 units (25 + 25 over two warehouses); 200 buyers each
reserve 1 unit for their own order. Exactly 50 must win, the other 150 get InsufficientStock.
Multi-line: 5 variants with 50 units each; every buyer reserves 1 unit of 2-5 of them, lines
in random order (the service must lock in one order, or this deadlocks).

Each worker thread holds its own PostgreSQL connection (Django's connections are per thread)
and a barrier starts them together. PostgreSQL's max_connections is shared by everyone on
this machine (100 by default), so when fewer than 200 connections are free the 200 buyers are
served by fewer threads (each takes the next buyer as soon as its call returns) — the number
of connections used is in the result.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter

BUYERS = 200
UNITS = 50
HEADROOM = 20  # connections left free for everyone else


def _connection_budget(wanted: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int")
        max_connections = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
        in_use = cursor.fetchone()[0]
    return max(4, min(wanted, max_connections - in_use - HEADROOM))


def _set_stock(variant_id, per_warehouse: list[int]) -> None:
    """Bring the variant's levels to exactly these quantities (via stock_adjust, so the ledger
    stays balanced); it must have nothing reserved."""
    from apps.inventory.services import stock_adjust, stock_levels, warehouse_list

    warehouses = warehouse_list()[: len(per_warehouse)]
    current = {lv.warehouse_id: lv for lv in stock_levels(variant_ids=[variant_id])}
    for warehouse, quantity in zip(warehouses, per_warehouse, strict=True):
        level = current.get(warehouse.id)
        assert level is None or level.reserved == 0, "benchmark variant has reservations"
        delta = quantity - (level.quantity if level else 0)
        if delta:
            stock_adjust(
                variant_id=variant_id,
                warehouse_id=warehouse.id,
                delta=delta,
                reason="benchmark: oversell race",
            )


def _levels(variant_ids) -> list[dict]:
    from apps.inventory.services import stock_levels

    return [
        {
            "variant_id": str(lv.variant_id),
            "warehouse_id": str(lv.warehouse_id),
            "quantity": lv.quantity,
            "reserved": lv.reserved,
            "available": lv.quantity - lv.reserved,
        }
        for lv in stock_levels(variant_ids=list(variant_ids))
    ]


def _classify(exc: BaseException) -> str:
    import psycopg.errors

    from apps.inventory.exceptions import InsufficientStock

    if isinstance(exc, InsufficientStock):
        return "insufficient_stock"
    cause = exc.__cause__ or exc
    if isinstance(cause, psycopg.errors.DeadlockDetected):
        return "deadlock"
    if isinstance(cause, psycopg.errors.SerializationFailure):
        return "serialization_failure"
    if isinstance(cause, psycopg.errors.CheckViolation):
        return "check_violation"
    return f"other:{exc.__class__.__name__}"


def _race(orders: list[list[tuple]], connections: int) -> tuple[Counter, list, float]:
    """Run every order's reservation_create on `connections` threads; returns outcome counts,
    the successful orders' lines and the race's wall time."""
    from django.db import connection

    from apps.inventory.services import reservation_create

    outcomes: Counter = Counter()
    won: list[list[tuple]] = []
    lock = threading.Lock()
    queue = list(reversed(orders))
    barrier = threading.Barrier(connections + 1)
    errors: list[str] = []

    def worker():
        try:
            connection.ensure_connection()  # each thread: its own connection, opened first
            barrier.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    lines = queue.pop()
                try:
                    reservation_create(order_id=uuid.uuid4(), lines=lines)
                    outcome = "reserved"
                except Exception as exc:  # classified and counted, never hidden
                    outcome = _classify(exc)
                    if outcome.startswith("other"):
                        errors.append(repr(exc)[:300])
                with lock:
                    outcomes[outcome] += 1
                    if outcome == "reserved":
                        won.append(lines)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=300)
    seconds = time.perf_counter() - started
    if errors:
        print("  other errors, e.g.: " + "; ".join(errors[:3]))
    return outcomes, won, seconds


def _check(variant_ids, before: list[dict], expected_reserved: dict) -> dict:
    after = _levels(variant_ids)
    quantity_before = Counter()
    for level in before:
        quantity_before[level["variant_id"]] += level["quantity"]
    quantity_after, reserved_after = Counter(), Counter()
    for level in after:
        quantity_after[level["variant_id"]] += level["quantity"]
        reserved_after[level["variant_id"]] += level["reserved"]
    oversold = sum(
        max(0, reserved_after[v] - quantity_after[v]) for v in map(str, variant_ids)
    ) + sum(max(0, -level["available"]) for level in after)
    return {
        "levels_after": after,
        "quantity_unchanged": quantity_before == quantity_after,
        "reserved_matches_winners": {str(v): reserved_after[str(v)] for v in variant_ids}
        == {str(v): expected_reserved.get(str(v), 0) for v in variant_ids},
        "negative_available_levels": sum(level["available"] < 0 for level in after),
        "oversold_units": oversold,
    }


def _single_line(variant_id, connections: int) -> dict:
    _set_stock(variant_id, [UNITS // 2, UNITS - UNITS // 2])
    before = _levels([variant_id])
    orders = [[(variant_id, 1)] for _ in range(BUYERS)]
    outcomes, won, seconds = _race(orders, connections)
    check = _check([variant_id], before, {str(variant_id): len(won)})
    attempts = sum(outcomes.values())
    result = {
        "buyers": BUYERS,
        "units": UNITS,
        "outcomes": dict(outcomes),
        "successes": outcomes["reserved"],
        "deadlocks": outcomes["deadlock"],
        "exactly_units_reserved": outcomes["reserved"] == UNITS
        and sum(lv["reserved"] for lv in check["levels_after"]) == UNITS,
        "seconds": round(seconds, 3),
        "attempts_per_second": round(attempts / seconds, 1) if seconds else None,
        "reservations_per_second": round(outcomes["reserved"] / seconds, 1) if seconds else None,
        **check,
    }
    return result


def _multi_line(variant_ids, connections: int, seed: int) -> dict:
    rng = random.Random(seed)
    for variant_id in variant_ids:
        _set_stock(variant_id, [UNITS // 2, UNITS - UNITS // 2])
    before = _levels(variant_ids)
    orders = []
    for _ in range(BUYERS):
        chosen = rng.sample(list(variant_ids), rng.randint(2, len(variant_ids)))
        orders.append([(v, 1) for v in chosen])  # rng.sample's order is random too
    outcomes, won, seconds = _race(orders, connections)
    expected = Counter(str(v) for lines in won for v, _ in lines)
    check = _check(variant_ids, before, expected)
    attempts = sum(outcomes.values())
    return {
        "buyers": BUYERS,
        "variants": len(variant_ids),
        "units_per_variant": UNITS,
        "lines_per_order": "2-5, random order",
        "outcomes": dict(outcomes),
        "successes": outcomes["reserved"],
        "deadlocks": outcomes["deadlock"],
        "units_reserved": sum(expected.values()),
        "seconds": round(seconds, 3),
        "attempts_per_second": round(attempts / seconds, 1) if seconds else None,
        "reservations_per_second": round(outcomes["reserved"] / seconds, 1) if seconds else None,
        **check,
    }


def _release(variant_ids) -> None:
    """Release the benchmark's reservations, so a second run starts from clean stock."""
    from apps.inventory.models import Reservation
    from apps.inventory.services import reservation_release

    order_ids = set(
        Reservation.objects.filter(variant_id__in=list(variant_ids), status="pending").values_list(
            "order_id", flat=True
        )
    )
    for order_id in order_ids:
        reservation_release(order_id=order_id, reason="benchmark cleanup")


def run(fixtures: dict, *, seed: int = 7) -> dict:
    from apps.inventory.services import stock_reconcile

    stocked = fixtures["stocked_variant_ids"]
    single_variant, multi_variants = stocked[-2], stocked[-8:-3]
    connections = _connection_budget(BUYERS)
    _release([single_variant, *multi_variants])
    single = _single_line(single_variant, connections)
    print(
        f"single line: {single['successes']} of {BUYERS} buyers reserved ({UNITS} units), "
        f"outcomes {single['outcomes']}; oversold {single['oversold_units']}, deadlocks "
        f"{single['deadlocks']}; {single['attempts_per_second']} attempts/s "
        f"({single['reservations_per_second']} reservations/s) on {connections} connections",
        flush=True,
    )
    multi = _multi_line(multi_variants, connections, seed)
    print(
        f"multi line: {multi['successes']} of {BUYERS} orders reserved "
        f"({multi['units_reserved']} units over 5 variants), outcomes {multi['outcomes']}; "
        f"oversold {multi['oversold_units']}, deadlocks {multi['deadlocks']}; "
        f"{multi['attempts_per_second']} attempts/s",
        flush=True,
    )
    started = time.perf_counter()
    differences = stock_reconcile()
    reconcile_seconds = time.perf_counter() - started
    print(
        f"stock_reconcile(): {len(differences)} differences ({reconcile_seconds:.1f} s)",
        flush=True,
    )
    _release([single_variant, *multi_variants])
    correct = (
        single["oversold_units"] == 0
        and multi["oversold_units"] == 0
        and single["deadlocks"] == 0
        and multi["deadlocks"] == 0
        and single["exactly_units_reserved"]
        and single["quantity_unchanged"]
        and multi["quantity_unchanged"]
        and single["reserved_matches_winners"]
        and multi["reserved_matches_winners"]
        and not differences
    )
    return {
        "connections": connections,
        "buyers": BUYERS,
        "single_line": single,
        "multi_line": multi,
        "reconcile_differences": [str(d) for d in differences[:10]],
        "reconcile_clean": not differences,
        "reconcile_seconds": round(reconcile_seconds, 2),
        "correct": correct,
    }
