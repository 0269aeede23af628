"""What every benchmark shares: Django set-up, the results folder, machine facts."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

# What every checkout benchmark sends to `checkout/preview` and `checkout`.
CHECKOUT_BODY = {
    "shipping_address": {
        "full_name": "Bench Buyer",
        "address_line1": "1 Load Street",
        "city": "Springfield",
        "postal_code": "62701",
        "country": "US",
    },
    "shipping_method": "standard",
}
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def django_setup() -> None:
    """Set up Django in this process with the benchmark settings (DEBUG off, no throttles).

    Outbox relays go to an in-memory Celery broker in THIS process (the stock races publish
    stock.changed events), and the servers started from it inherit that; the configured
    broker is kept in BENCH_BROKER_URL for checkout's server and worker (bench/worker.py).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The real broker stays known to the benchmarks that start a worker (bench/worker.py).
    os.environ.setdefault(
        "BENCH_BROKER_URL",
        os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"),
    )
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import logging

    import django

    django.setup()
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "no hostname" for memory://


def database_name() -> str:
    from urllib.parse import urlsplit

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop")
    return urlsplit(url).path.lstrip("/")


def machine_info() -> dict:
    info = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": database_name(),
        # Others share this machine: a high load average means noisier, lower figures.
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
            cursor.execute("SHOW max_connections")
            info["postgresql_max_connections"] = int(cursor.fetchone()[0])
    except Exception as exc:  # machine facts must never sink a run
        info["postgresql"] = f"unknown ({exc.__class__.__name__})"
    return info


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "at": datetime.now(UTC).isoformat(timespec="seconds"), **data}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def header(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 70 - len(title)), flush=True)
