"""`checkout`: checkouts per second through HTTP with the dummy provider, and a flash sale.

1. Throughput: N signed-in buyers, each with a cart of 2 lines (variants from the seeded
   catalog, topped up so nobody runs out); C closed-loop clients (threads, each with its own
   keep-alive connection) POST checkout for the next buyer as soon as their previous answer
   arrives. checkouts/s = 201 answers / wall time; latencies p50/p95/p99; any other status
   is counted by code.
2. Flash sale: 200 buyers each want 1 unit of ONE variant that has exactly 50 (25 + 25 over
   two warehouses); 200 threads with their own connections are released together. Reported:
   units sold vs stock (must be 50 of 50, never more), 409s, 5xx (must be 0), the wall time
   from release to the last answer, and the stock ledger (must reconcile).

The server is gunicorn with bench.settings (DEBUG off, no throttles) and the dummy provider.
As in production its outbox relays publish to RabbitMQ (CELERY_BROKER_URL: a vhost of the
benchmarks' own) after each commit, and a real Celery worker (bench/worker.py, prefork, every
queue) consumes them while the load runs; after the flash sale the benchmark waits until
every event the run wrote is handled (`outbox`: events, done/pending/dead, seconds to drain).
`broker="memory"` keeps the old in-memory broker (no worker; nothing is consumed).
Buyers, carts and tokens are made in-process before the clock starts. Afterwards the
flash sale's orders are cancelled (the stock is free for the next run); the throughput orders
stay `confirmed` until their reservations expire.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import statistics
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

from bench.common import CHECKOUT_BODY
from bench.server import gunicorn
from bench.worker import broker_url, celery_worker, outbox_drain

BODY = CHECKOUT_BODY
FLASH_BUYERS, FLASH_UNITS = 200, 50


def _buyers(count: int, run: str) -> list[tuple[str, str]]:
    """(user id, bearer token) of `count` new users (unusable passwords: tokens are minted)."""
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.accounts.models import User

    users = User.objects.bulk_create(
        [User(email=f"bench-{run}-{i}@example.com", password="!") for i in range(count)],
        batch_size=1000,
    )
    return [(str(user.id), str(AccessToken.for_user(user))) for user in users]


def _fill(buyers, lines_for) -> None:
    from apps.cart.services import CartOwner, cart_line_add

    for index, (user_id, _token) in enumerate(buyers):
        for variant_id, quantity in lines_for(index):
            cart_line_add(
                owner=CartOwner.for_user(user_id), variant_id=variant_id, quantity=quantity
            )


def _post(conn: http.client.HTTPConnection, token: str) -> tuple[int, dict]:
    conn.request(
        "POST",
        "/api/v1/checkout",
        body=json.dumps(BODY),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    response = conn.getresponse()
    raw = response.read()
    return response.status, (json.loads(raw) if raw else {})


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _throughput(base: str, buyers, clients: int) -> dict:
    parts = urlsplit(base)
    queue = list(reversed(buyers))
    lock = threading.Lock()
    statuses: Counter = Counter()
    latencies: list[float] = []
    barrier = threading.Barrier(clients + 1)

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    break
                _user_id, token = queue.pop()
            started = time.perf_counter()
            try:
                status, _ = _post(conn, token)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                status = "connection error"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                statuses[str(status)] += 1
                latencies.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.perf_counter() - started
    placed = statuses.get("201", 0)
    return {
        "clients": clients,
        "buyers": len(buyers),
        "statuses": dict(statuses),
        "checkouts": placed,
        "seconds": round(seconds, 3),
        "checkouts_per_second": round(placed / seconds, 1) if seconds else None,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "five_xx": sum(n for s, n in statuses.items() if s.startswith("5")),
    }


def _flash(base: str, buyers) -> tuple[dict, list[dict]]:
    parts = urlsplit(base)
    barrier = threading.Barrier(len(buyers) + 1)
    answers: list[tuple[int | str, dict]] = [("not sent", {})] * len(buyers)
    finished: list[float] = [0.0] * len(buyers)

    def buyer(index: int):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        conn.connect()  # connected before the release: the race is the checkout only
        barrier.wait()
        try:
            answers[index] = _post(conn, buyers[index][1])
        except (OSError, http.client.HTTPException) as exc:
            answers[index] = ("connection error", {"error": repr(exc)})
        finished[index] = time.perf_counter()
        conn.close()

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(len(buyers))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    wall = max(finished) - started
    statuses = Counter(str(status) for status, _ in answers)
    return {
        "buyers": len(buyers),
        "units": FLASH_UNITS,
        "statuses": dict(statuses),
        "sold": statuses.get("201", 0),
        "refused_409": statuses.get("409", 0),
        "five_xx": sum(n for s, n in statuses.items() if s.startswith("5")),
        "wall_seconds": round(wall, 3),
    }, [body for status, body in answers if status == 201]


def _stock(variant_id: str) -> dict:
    from apps.inventory.services import stock_levels

    levels = list(stock_levels(variant_ids=[variant_id]))
    return {
        "quantity": sum(lv.quantity for lv in levels),
        "reserved": sum(lv.reserved for lv in levels),
        "negative_available_levels": sum(lv.quantity < lv.reserved for lv in levels),
    }


def _top_up(variant_ids, units: int) -> None:
    from apps.inventory.services import stock_adjust, warehouse_list

    warehouse = warehouse_list()[0]
    for variant_id in variant_ids:
        stock_adjust(
            variant_id=variant_id,
            warehouse_id=warehouse.id,
            delta=units,
            reason="benchmark: checkout throughput",
            kind="receipt",
        )


def _cancel(answers: list[dict]) -> None:
    from apps.orders.services import Actor, order_cancel

    for answer in answers:
        order_cancel(
            order_id=answer["order"]["id"], actor=Actor.system(), reason="benchmark cleanup"
        )


def run(
    fixtures: dict,
    *,
    workers: int = 3,
    threads: int = 4,
    checkouts: int = 2000,
    clients: int = 16,
    broker: str = "rabbitmq",
) -> dict:
    from apps.inventory.services import stock_reconcile
    from bench import oversell

    stocked = fixtures["stocked_variant_ids"]
    flash_variant, pool = stocked[-1], stocked[:20]
    run_id = uuid.uuid4().hex[:8]

    _top_up(pool, units=checkouts)  # 2 lines per cart over 20 variants: nobody runs out
    buyers = _buyers(checkouts, run_id)
    _fill(buyers, lambda i: [(pool[i % len(pool)], 1), (pool[(i * 7 + 3) % len(pool)], 1)])
    oversell._release([flash_variant])
    oversell._set_stock(flash_variant, [FLASH_UNITS // 2, FLASH_UNITS - FLASH_UNITS // 2])
    flash_buyers = _buyers(FLASH_BUYERS, f"{run_id}-flash")
    _fill(flash_buyers, lambda i: [(flash_variant, 1)])
    print(
        f"prepared {len(buyers)} throughput buyers (2-line carts) and {FLASH_BUYERS} flash-sale "
        f"buyers; server {workers} workers x {threads} threads",
        flush=True,
    )

    from django.utils import timezone

    real_broker = broker == "rabbitmq"
    env = {
        "PAYMENT_PROVIDER": "dummy",
        "CELERY_BROKER_URL": broker_url() if real_broker else "memory://",
        "LOG_LEVEL": "ERROR",  # the flash sale's 150 answers of 409 are logged as warnings
    }
    since = timezone.now()
    with contextlib.ExitStack() as stack:
        if real_broker:
            stack.enter_context(celery_worker(concurrency=2))
        base = stack.enter_context(gunicorn(workers=workers, threads=threads, env=env))
        throughput = _throughput(base, buyers, clients)
        print(
            f"throughput: {throughput['checkouts']} checkouts in {throughput['seconds']} s = "
            f"{throughput['checkouts_per_second']} checkouts/s ({clients} clients), p50 "
            f"{throughput['p50_ms']} / p95 {throughput['p95_ms']} / p99 {throughput['p99_ms']} "
            f"ms; statuses {throughput['statuses']}",
            flush=True,
        )
        flash, sold = _flash(base, flash_buyers)
        outbox = outbox_drain(since) if real_broker else {"broker": "memory://", "consumed": 0}
    if real_broker:
        print(
            f"outbox: {outbox['events']} events relayed to RabbitMQ and handled by the worker: "
            f"{outbox['done']} done, {outbox['pending']} pending, {outbox['dead']} dead; "
            f"drained {outbox['drained_after_seconds']} s after the flash sale",
            flush=True,
        )
    stock = _stock(flash_variant)
    flash.update(stock)
    flash["oversold_units"] = (
        max(0, flash["sold"] - FLASH_UNITS) + stock["negative_available_levels"]
    )
    flash["reserved_matches_sold"] = stock["reserved"] == flash["sold"]
    print(
        f"flash sale: {flash['sold']} of {FLASH_UNITS} units sold to {FLASH_BUYERS} buyers "
        f"(409: {flash['refused_409']}, 5xx: {flash['five_xx']}), reserved {stock['reserved']}"
        f" of {stock['quantity']}, in {flash['wall_seconds']} s; statuses {flash['statuses']}",
        flush=True,
    )
    _cancel(sold)
    differences = stock_reconcile()
    correct = (
        flash["sold"] == FLASH_UNITS
        and flash["five_xx"] == 0
        and flash["oversold_units"] == 0
        and flash["reserved_matches_sold"]
        and throughput["five_xx"] == 0
        and not differences
        and outbox.get("dead", 0) == 0
    )
    print(f"stock_reconcile(): {len(differences)} differences; correct: {correct}", flush=True)
    return {
        "server": {"workers": workers, "threads": threads},
        "provider": "dummy",
        "broker": "rabbitmq (real worker)" if real_broker else "memory://",
        "outbox": outbox,
        "throughput": throughput,
        "flash_sale": flash,
        "reconcile_clean": not differences,
        "correct": correct,
    }
