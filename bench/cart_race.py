"""`cart`: lost updates and If-Match under concurrent writers, through HTTP against gunicorn.

1. Lost updates: 16 clients x 25 POST cart/items {variant, quantity 1} on the SAME anonymous
   cart (one shared X-Cart-Token), so all of them add to one line. The line's final quantity
   must equal the number of 201 answers. The server runs with CART_MAX_LINE_QUANTITY=1000
   (the default 99 would cap the line) and the variant gets +1000 units first.
2. If-Match: per round every one of 2xN writers sends the same `If-Match: "<version>"`
   (a barrier starts them together): exactly one may win (201), the others get 412.

The adds/s are also reported against the minimal-stack bare view (bench/minimal) on a
gunicorn of the same shape, measured right before and right after the adds
(`adds_over_minimal_bare`, issue 13's target >= 0.15).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

from bench.load import run_load
from bench.minimal.server import PATH as MINIMAL_PATH
from bench.minimal.server import minimal_gunicorn
from bench.server import gunicorn

CLIENTS = 16
ADDS_PER_CLIENT = 25
MINIMAL_SECONDS = 5.0
ADDS_TARGET_OVER_MINIMAL = 0.15


class _Http:
    def __init__(self, base: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def call(self, method: str, path: str, body=None, headers=None):
        """One request; a GET that meets a connection the server closed (keep-alive timeout)
        is sent again on a new one. Writes are never retried (that could add twice)."""
        try:
            return self._call(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionError):
            self.conn.close()
            if method != "GET":
                raise
            return self._call(method, path, body, headers)

    def _call(self, method: str, path: str, body=None, headers=None):
        payload = json.dumps(body) if body is not None else None
        self.conn.request(
            method,
            path,
            body=payload,
            headers={"Content-Type": "application/json", "Accept": "application/json"}
            | (headers or {}),
        )
        response = self.conn.getresponse()
        data = response.read()
        return response.status, response, json.loads(data) if data else None

    def close(self):
        self.conn.close()


def _stock_up(variant_id: str, units: int) -> None:
    """+`units` in inventory, and the catalog's copy told at once, as the outbox relay and a
    worker do in production (benchmarks relay to an in-memory broker nobody consumes): the
    cart's stock check reads that copy first."""
    from apps.inventory.services import stock_adjust, warehouse_list
    from shop.events.models import OutboxEvent
    from shop.events.outbox import event_dispatch

    stock_adjust(
        variant_id=variant_id,
        warehouse_id=warehouse_list()[0].id,
        delta=units,
        reason="benchmark: cart race",
        kind="receipt",
    )
    pending = OutboxEvent.objects.filter(
        name="stock.changed", payload__variant_id=str(variant_id)
    ).exclude(status=OutboxEvent.Status.DONE)
    for event_id in pending.order_by("created_at").values_list("id", flat=True):
        event_dispatch(event_id)


def _line_quantity(cart: dict, variant_id: str) -> int:
    return sum(item["quantity"] for item in cart["items"] if item["variant_id"] == variant_id)


def _lost_updates(base: str, variant_id: str, clients: int, adds: int) -> dict:
    setup = _Http(base)
    _, response, cart = setup.call("GET", "/api/v1/cart")
    token = response.getheader("X-Cart-Token")
    barrier = threading.Barrier(clients)
    statuses: list[dict] = []

    def client():
        conn = _Http(base)
        counts: dict[int, int] = {}
        barrier.wait()
        for _ in range(adds):
            try:
                status, _, _ = conn.call(
                    "POST",
                    "/api/v1/cart/items",
                    {"variant_id": variant_id, "quantity": 1},
                    {"X-Cart-Token": token},
                )
            except (OSError, http.client.HTTPException):
                status = "connection error"  # outcome unknown: neither a success nor a loss
            counts[status] = counts.get(status, 0) + 1
        conn.close()
        statuses.append(counts)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    _, _, cart = setup.call("GET", "/api/v1/cart", headers={"X-Cart-Token": token})
    setup.close()
    by_status: dict[str, int] = {}
    for counts in statuses:
        for status, n in counts.items():
            by_status[str(status)] = by_status.get(str(status), 0) + n
    successes = by_status.get("201", 0)
    final = _line_quantity(cart, variant_id)
    return {
        "clients": clients,
        "adds_per_client": adds,
        "attempts": clients * adds,
        "successful_adds": successes,
        "statuses": by_status,
        "final_quantity": final,
        "final_version": cart["version"],
        "lost_updates": successes - final,
        "seconds": round(seconds, 2),
        "adds_per_second": round(successes / seconds, 1) if seconds else None,
    }


def _if_match(base: str, variant_id: str, writers: int, rounds: int) -> dict:
    setup = _Http(base)
    _, response, cart = setup.call("GET", "/api/v1/cart")
    token = response.getheader("X-Cart-Token")
    round_results = []
    for _ in range(rounds):
        conns = [_Http(base) for _ in range(writers)]  # fresh: idle keep-alives get closed
        _, _, cart = setup.call("GET", "/api/v1/cart", headers={"X-Cart-Token": token})
        version, before = cart["version"], _line_quantity(cart, variant_id)
        barrier = threading.Barrier(writers)
        statuses: list[int] = []

        def writer(conn, version=version, barrier=barrier, statuses=statuses):
            barrier.wait()
            try:
                status, _, _ = conn.call(
                    "POST",
                    "/api/v1/cart/items",
                    {"variant_id": variant_id, "quantity": 1},
                    {"X-Cart-Token": token, "If-Match": f'"{version}"'},
                )
            except (OSError, http.client.HTTPException):
                status = -1
            conn.close()
            statuses.append(status)

        threads = [threading.Thread(target=writer, args=(conn,)) for conn in conns]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _, _, cart = setup.call("GET", "/api/v1/cart", headers={"X-Cart-Token": token})
        round_results.append(
            {
                "wins": statuses.count(201),
                "mismatches": statuses.count(412),
                "other": len(statuses) - statuses.count(201) - statuses.count(412),
                "version_step": cart["version"] - version,
                "quantity_step": _line_quantity(cart, variant_id) - before,
            }
        )
    setup.close()
    bad = [
        r
        for r in round_results
        if r["wins"] != 1 or r["other"] or r["version_step"] != 1 or r["quantity_step"] != 1
    ]
    return {
        "writers": writers,
        "rounds": rounds,
        "rounds_with_exactly_one_winner": sum(r["wins"] == 1 for r in round_results),
        "rounds_wrong": len(bad),
        "examples_wrong": bad[:5],
        "mismatches_412": sum(r["mismatches"] for r in round_results),
    }


def run(fixtures: dict, *, workers: int, threads: int, rounds: int, writers: int) -> dict:
    variant_id = fixtures["stocked_variant_ids"][-1]
    _stock_up(variant_id, 1000)
    server_env = {"CART_MAX_LINE_QUANTITY": "1000", "LOG_LEVEL": "ERROR"}  # no log per 412
    with (
        gunicorn(workers, threads, env=server_env) as base,
        minimal_gunicorn(workers, threads) as minimal_base,
    ):
        minimal_url = f"{minimal_base}{MINIMAL_PATH}"
        run_load("warm", minimal_url, concurrency=CLIENTS, seconds=1.0)
        before = run_load("minimal", minimal_url, concurrency=CLIENTS, seconds=MINIMAL_SECONDS)
        lost = _lost_updates(base, variant_id, CLIENTS, ADDS_PER_CLIENT)
        after = run_load("minimal", minimal_url, concurrency=CLIENTS, seconds=MINIMAL_SECONDS)
        minimal_rps = (before.rps + after.rps) / 2
        lost["minimal_bare_rps"] = round(minimal_rps, 1)
        lost["adds_over_minimal_bare"] = (
            round(lost["adds_per_second"] / minimal_rps, 3) if lost["adds_per_second"] else None
        )
        print(
            f"lost updates: {lost['lost_updates']} ({lost['successful_adds']} successful adds of "
            f"{lost['attempts']}, final quantity {lost['final_quantity']}, statuses "
            f"{lost['statuses']}); {lost['adds_per_second']} adds/s = "
            f"{lost['adds_over_minimal_bare']} x the minimal bare view ({minimal_rps:.0f} req/s; "
            f"target >= {ADDS_TARGET_OVER_MINIMAL})",
            flush=True,
        )
        match = _if_match(base, variant_id, writers, rounds)
        print(
            f"If-Match: {match['rounds_with_exactly_one_winner']}/{rounds} rounds with exactly one "
            f"winner of {writers} writers ({match['rounds_wrong']} wrong, "
            f"{match['mismatches_412']} answered 412)",
            flush=True,
        )
    ok = lost["lost_updates"] == 0 and lost["successful_adds"] > 0 and match["rounds_wrong"] == 0
    return {
        "variant_id": variant_id,
        "server": {"workers": workers, "threads": threads, "CART_MAX_LINE_QUANTITY": 1000},
        "lost_updates": lost,
        "if_match": match,
        "correct": ok,
    }
