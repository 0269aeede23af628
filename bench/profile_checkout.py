"""Where a checkout's CPU goes, in-process: POST /api/v1/checkout through the Django test
Client (the whole middleware/DRF stack, no network), dummy provider, outbox relays to an
in-memory broker (as the other benchmarks).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench_cp
    export REDIS_URL=redis://127.0.0.1:6386/9 CART_REDIS_URL=redis://127.0.0.1:6386/9
    .venv/bin/python bench/profile_checkout.py [--checkouts 300] [--lines 2] [--dump FILE]

Needs a migrated database (any: it makes its own category, products and stock; the seed
benchmark's is fine). It makes N signed-in users (unusable passwords, minted JWTs) with
carts of `--lines` lines over a few variants with big stock, then:

1. ms CPU per checkout (time.process_time, no profiler) and wall ms, over N checkouts;
2. SQL statements per checkout (CaptureQueriesContext): data queries, and transaction
   control (BEGIN / COMMIT / SAVEPOINT / RELEASE) apart, with the listing of one checkout;
3. cProfile (CPU clock) over N checkouts: inclusive ms CPU per checkout in each phase
   (auth, idempotency claim and store, addresses, cart read, pricing, the placing
   transaction, the provider, the confirmation, cart clear, outbox relay, serializers,
   middleware) and the top functions by own time;
4. the refused path of a flash sale: ms CPU and SQL of a checkout answered 409
   `insufficient_stock` (a buyer whose variant has nothing left);
5. lock wait in a flash sale: T threads (own connections) check out one unit of one variant
   with S units through the service at once; per call, the time spent waiting for the
   stock-row locks (`_lock_levels`) vs the rest, sold vs stock.

Profiler overhead inflates the profiled figures (read the shares); (1) is the real cost.
Saves bench/results/profile_checkout.json.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PAYMENT_PROVIDER", "dummy")

from bench.common import CHECKOUT_BODY, django_setup, save

BODY = CHECKOUT_BODY
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")

# (phase, path fragment of the file, function name): inclusive ("cumulative") time.
PHASES = (
    ("request total (handler)", "django/core/handlers/base.py", "get_response"),
    ("view incl. URL resolve (no middleware)", "django/core/handlers/base.py", "_get_response"),
    ("DRF initial(): auth, permissions, throttles", "rest_framework/views.py", "initial"),
    ("  JWT authenticate", "rest_framework_simplejwt/authentication.py", "authenticate"),
    ("request body parse (request.data)", "rest_framework/request.py", "_load_data_and_files"),
    ("idempotency claim", "shop/idempotency.py", "_claim_or_existing"),
    ("idempotency store", "shop/idempotency.py", "store"),
    ("idempotency request hash", "shop/idempotency.py", "request_hash"),
    ("input serializer (CheckoutSerializer)", "apps/orders/api/views.py", "_data"),
    ("checkout service", "apps/orders/services/checkout.py", "_checkout"),
    ("  addresses", "apps/orders/services/addresses.py", "checkout_addresses"),
    ("  cart read", "apps/cart/services.py", "cart_get"),
    ("  pricing (quote_build)", "apps/orders/services/pricing.py", "quote_build"),
    ("    promotions cart_price", "apps/orders/services/discounts.py", "checkout_discounts"),
    ("  placing transaction (_place)", "apps/orders/services/checkout.py", "_place"),
    ("    reservation_create", "apps/inventory/services/reservations.py", "reservation_create"),
    ("    order number", "apps/orders/numbers.py", "order_number_new"),
    ("  pay + confirm (_pay)", "apps/orders/services/checkout.py", "_pay"),
    ("    provider: payment_intent_open", "apps/payments/services.py", "payment_intent_open"),
    ("    confirm: payment_record", "apps/payments/services.py", "payment_record"),
    ("    confirm: transition_from", "apps/orders/services/lifecycle.py", "transition_from"),
    ("    order_info", "apps/orders/services/info.py", "order_info"),
    ("  cart clear", "apps/cart/services.py", "cart_clear"),
    ("outbox events_publish (in transactions)", "shop/events/outbox.py", "events_publish"),
    ("outbox relay after commit", "shop/events/outbox.py", "events_relay"),
    ("  celery apply_async", "celery/app/task.py", "apply_async"),
    ("output serializer to_representation", "rest_framework/serializers.py", "to_representation"),
    ("JSON renderer", "rest_framework/renderers.py", "render"),
    ("template rendering", "django/template/base.py", "render"),
    ("logging (Logger._log)", "logging/__init__.py", "_log"),
    ("database (cursor execute)", "django/db/backends/utils.py", "_execute"),
    ("transaction.atomic enter", "django/db/transaction.py", "__enter__"),
    ("transaction.atomic exit (commit)", "django/db/transaction.py", "__exit__"),
    ("redis execute_command", "redis/client.py", "execute_command"),
    ("signals send", "django/dispatch/dispatcher.py", "send"),
)


def _prepare(*, users: int, lines: int, variants: int, stock: int, run: str):
    """`variants` new variants with `stock` units each, and `users` users with carts."""
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.accounts.models import User
    from apps.cart.services import CartOwner, cart_line_add
    from apps.catalog.services import category_create, product_create
    from apps.inventory.services import stock_adjust, warehouse_create, warehouse_list

    category = category_create(name=f"Profile checkout {run}", slug=f"profile-checkout-{run}")
    warehouses = warehouse_list() or [warehouse_create(code=f"PROF-{run}", name="Profile")]
    variant_ids = []
    for i in range(variants):
        product = product_create(
            sku=f"PROF-{run}-{i}",
            name=f"Profile product {i}",
            category_id=category.id,
            base_price=Decimal("12.50") + i,
        )
        variant_id = product.variants.get().id
        variant_ids.append(variant_id)
        if not stock:
            continue
        stock_adjust(
            variant_id=variant_id,
            warehouse_id=warehouses[0].id,
            delta=stock,
            reason="benchmark: profile checkout",
            kind="receipt",
        )
    made = User.objects.bulk_create(
        [User(email=f"prof-{run}-{i}@example.com", password="!") for i in range(users)],
        batch_size=1000,
    )
    buyers = []
    for index, user in enumerate(made):
        owner = CartOwner.for_user(user.id)
        for k in range(lines):
            variant_id = variant_ids[(index + k * 3) % len(variant_ids)]
            cart_line_add(owner=owner, variant_id=variant_id, quantity=1)
        buyers.append((user.id, str(AccessToken.for_user(user))))
    return variant_ids, buyers


def _post(client, token: str):
    return client.post(
        "/api/v1/checkout",
        data=BODY,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )


BATCH = 20


def _cpu(client, buyers, expected: int) -> dict:
    """CPU per checkout over all of `buyers`, and per batch of BATCH: on a shared machine the
    other processes' load inflates the mean (caches, hyperthreads); the best batch is the
    steadiest figure to compare two versions by."""
    statuses: dict[int, int] = {}
    batches = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for start in range(0, len(buyers), BATCH):
        batch = buyers[start : start + BATCH]
        batch_cpu = time.process_time()
        for _user_id, token in batch:
            code = _post(client, token).status_code
            statuses[code] = statuses.get(code, 0) + 1
        batches.append((time.process_time() - batch_cpu) * 1000 / len(batch))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = len(buyers)
    if statuses.get(expected, 0) != n:
        raise SystemExit(f"expected {n} × {expected}, got {statuses}")
    return {
        "checkouts": n,
        "status": expected,
        "ms_cpu_per_checkout": round(cpu * 1000 / n, 2),
        "ms_cpu_per_checkout_best_batch": round(min(batches), 2),
        "ms_cpu_per_checkout_median_batch": round(statistics.median(batches), 2),
        "ms_wall_per_checkout": round(wall * 1000 / n, 2),
    }


def _sql(client, buyers, expected: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, control, listing = [], [], []
    for _user_id, token in buyers:
        with CaptureQueriesContext(connection) as captured:
            assert _post(client, token).status_code == expected
        statements = [q["sql"] for q in captured.captured_queries]
        tc = [s for s in statements if s.startswith(TRANSACTION_CONTROL)]
        counts.append(len(statements) - len(tc))
        control.append(len(tc))
        listing = statements
    kinds: dict[str, int] = {}
    for sql in listing:
        if sql.startswith(TRANSACTION_CONTROL):
            word = "RELEASE SAVEPOINT" if sql.startswith("RELEASE") else sql.split()[0]
            kinds[word] = kinds.get(word, 0) + 1
    return {
        "queries": max(counts),
        "transaction_control": max(control),
        "statements": max(c + t for c, t in zip(counts, control, strict=True)),
        "transaction_control_kinds": kinds,
        "listing": [f"{i:2} {sql[:160]}" for i, sql in enumerate(listing, 1)],
    }


def _profile(client, buyers, expected: int, top: int = 25, dump: str | None = None) -> dict:
    # CPU time, not wall: on a shared machine the wall clock mostly measures waiting for
    # PostgreSQL and the other processes; what this process spends is what it can save.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _user_id, token in buyers:
        assert _post(client, token).status_code == expected
    profiler.disable()
    if dump:
        profiler.dump_stats(dump)
    n = len(buyers)
    stats = pstats.Stats(profiler)
    phases: dict[str, float] = {}
    for label, fragment, name in PHASES:
        best = 0.0
        for (filename, _, funcname), (_, _, _, cumulative, _) in stats.stats.items():
            if funcname == name and filename.replace("\\", "/").endswith(fragment):
                best = max(best, cumulative)
        phases[label] = round(best * 1000 / n, 3)
    phases["middleware chain (total - view)"] = round(
        phases["request total (handler)"] - phases["view incl. URL resolve (no middleware)"], 3
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    own = [ln.rstrip() for ln in out.getvalue().splitlines() if ln.strip()[:1].isdigit()][:top]
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
    cumulative = [ln.rstrip() for ln in out.getvalue().splitlines() if ln.strip()[:1].isdigit()]
    return {
        "checkouts_profiled": n,
        "ms_per_checkout_profiled": phases,
        "top_tottime": own,
        "top_cumulative": cumulative[:60],
    }


def _flash_locks(*, threads: int, units: int, run: str) -> dict:
    """Threads with their own connections race for `units` of one variant via the service;
    the time each spends in the stock-row lock statement is measured apart."""
    from django.db import connection, connections

    from apps.inventory.services import reservations
    from apps.orders.services import Actor, checkout, order_cancel
    from bench import oversell

    variant_ids, buyers = _prepare(users=threads, lines=1, variants=1, stock=threads, run=run + "f")
    oversell._set_stock(str(variant_ids[0]), [units // 2, units - units // 2])
    waits: dict[int, float] = {}
    original = reservations._lock_levels

    def timed_lock(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            waits[threading.get_ident()] = time.perf_counter() - started

    reservations._lock_levels = timed_lock
    barrier = threading.Barrier(threads + 1)
    results: list = [None] * threads

    def buyer(index: int):
        connection.ensure_connection()
        barrier.wait()
        started = time.perf_counter()
        try:
            placed = checkout(user_id=buyers[index][0], **BODY)
            outcome = ("placed", placed.order.id)
        except Exception as exc:  # counted by its code or class
            outcome = (getattr(exc, "code", exc.__class__.__name__), None)
        results[index] = (
            outcome,
            time.perf_counter() - started,
            waits.get(threading.get_ident(), 0.0),
        )
        connections.close_all()

    workers = [threading.Thread(target=buyer, args=(i,)) for i in range(threads)]
    try:
        for worker in workers:
            worker.start()
        barrier.wait()
        started = time.perf_counter()
        for worker in workers:
            worker.join(timeout=300)
        wall = time.perf_counter() - started
    finally:
        reservations._lock_levels = original
    outcomes: dict[str, int] = {}
    for (code, _), _, _ in results:
        outcomes[code] = outcomes.get(code, 0) + 1

    def ms(values):
        values = sorted(values)
        if not values:
            return {}
        return {
            "p50": round(statistics.median(values) * 1000, 1),
            "p95": round(values[min(len(values) - 1, int(0.95 * len(values)))] * 1000, 1),
            "max": round(values[-1] * 1000, 1),
        }

    refused = [r for r in results if r[0][0] != "placed"]
    placed = [r for r in results if r[0][0] == "placed"]
    for (_code, order_id), _, _ in placed:
        order_cancel(order_id=order_id, actor=Actor.system(), reason="benchmark cleanup")
    return {
        "threads": threads,
        "units": units,
        "outcomes": outcomes,
        "wall_seconds": round(wall, 3),
        "placed_call_ms": ms([r[1] for r in placed]),
        "placed_lock_wait_ms": ms([r[2] for r in placed]),
        "refused_call_ms": ms([r[1] for r in refused]),
        "refused_lock_wait_ms": ms([r[2] for r in refused]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, default=300, help="per measured loop")
    parser.add_argument("--lines", type=int, default=2, help="cart lines per buyer")
    parser.add_argument("--flash-threads", type=int, default=60)
    parser.add_argument("--no-flash", action="store_true")
    parser.add_argument("--no-refused", action="store_true")
    parser.add_argument("--dump", help="write the cProfile stats of the placed loop here")
    args = parser.parse_args()
    django_setup()
    import logging

    from django.test import Client

    from apps.accounts.models import User

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 409 loop's warnings
    run = uuid.uuid4().hex[:8]
    n, warm, sql_n = args.checkouts, 10, 5
    started = time.perf_counter()
    variant_ids, buyers = _prepare(
        users=2 * n + warm + sql_n, lines=args.lines, variants=10, stock=10 * n, run=run
    )
    print(
        f"prepared {len(buyers)} buyers with {args.lines}-line carts over {len(variant_ids)} "
        f"variants in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    client = Client()
    chunks = iter(
        [buyers[:warm], buyers[warm : warm + sql_n], buyers[warm + sql_n : warm + sql_n + n]]
        + [buyers[warm + sql_n + n :]]
    )
    for _user_id, token in next(chunks):  # warm: imports, connections, caches
        assert _post(client, token).status_code == 201
    sql = _sql(client, next(chunks), 201)
    cpu = _cpu(client, next(chunks), 201)
    prof = _profile(client, next(chunks), 201, dump=args.dump)
    result = {"lines_per_cart": args.lines, "placed": {**cpu, "sql": sql, **prof}}
    print(
        f"placed (201): {cpu['ms_cpu_per_checkout']} ms CPU (best batch of {BATCH} "
        f"{cpu['ms_cpu_per_checkout_best_batch']}, median "
        f"{cpu['ms_cpu_per_checkout_median_batch']}) / {cpu['ms_wall_per_checkout']} ms "
        f"wall per checkout over {cpu['checkouts']}; SQL {sql['queries']} queries + "
        f"{sql['transaction_control']} transaction control {sql['transaction_control_kinds']}",
        flush=True,
    )
    print("\n".join(sql["listing"]))
    print("phases, ms per checkout (profiled):")
    for label, value in prof["ms_per_checkout_profiled"].items():
        print(f"  {label:<48} {value:8.3f}")
    print("top functions by own time:")
    print("\n".join(prof["top_tottime"]), flush=True)

    if not args.no_refused:
        _refused(client, n=n, sql_n=sql_n, run=run, result=result)
    if not args.no_flash:
        flash = _flash_locks(threads=args.flash_threads, units=args.flash_threads // 4, run=run)
        result["flash_lock_wait"] = flash
        print(f"flash sale in-process: {flash}", flush=True)
    User.objects.filter(email__startswith=f"prof-{run}").update(is_active=False)
    path = save("profile_checkout", result)
    print(f"saved {path}")
    return 0


def _refused(client, *, n: int, sql_n: int, run: str, result: dict) -> None:
    """The refused path: every variant of these carts is sold out."""
    _, refused_buyers = _prepare(users=n // 3 + sql_n, lines=1, variants=1, stock=1, run=run + "r")
    _post(client, refused_buyers[0][1])  # takes the one unit
    refused_buyers = refused_buyers[1:]
    rsql = _sql(client, refused_buyers[:sql_n], 409)
    rcpu = _cpu(client, refused_buyers[sql_n:], 409)
    result["refused_409"] = {**rcpu, "sql": rsql}
    print(
        f"refused (409): {rcpu['ms_cpu_per_checkout']} ms CPU (best batch "
        f"{rcpu['ms_cpu_per_checkout_best_batch']}, median "
        f"{rcpu['ms_cpu_per_checkout_median_batch']}) / {rcpu['ms_wall_per_checkout']} "
        f"ms wall per checkout; SQL {rsql['queries']} queries + "
        f"{rsql['transaction_control']} transaction control",
        flush=True,
    )
    print("\n".join(rsql["listing"]))


if __name__ == "__main__":
    raise SystemExit(main())
