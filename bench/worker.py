"""Start a real Celery worker (as deployed: `celery -A shop worker`, prefork) for the length of a
benchmark, on the configured broker (CELERY_BROKER_URL: give the benchmarks a vhost of their
own), and measure how fast the outbox drains through it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def broker_url() -> str:
    """The configured broker (bench.common keeps it in BENCH_BROKER_URL before it points this
    process's own relays at memory://)."""
    return os.environ.get("BENCH_BROKER_URL") or os.environ.get(
        "CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"
    )


def _ping(url: str) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=3) as conn:
        conn.ensure_connection(max_retries=1)


@contextlib.contextmanager
def celery_worker(*, concurrency: int = 2, logfile: Path | None = None):
    """Yield the worker process; it consumes every queue (no -Q) and is stopped (SIGTERM, a
    warm shutdown) at the end. Raises RuntimeError when the broker cannot be reached."""
    url = broker_url()
    if url.startswith("memory://"):
        raise RuntimeError("a worker needs a real broker: set CELERY_BROKER_URL")
    try:
        _ping(url)
    except Exception as exc:
        raise RuntimeError(f"RabbitMQ is not reachable at CELERY_BROKER_URL ({exc})") from exc
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CELERY_BROKER_URL": url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    log = open(logfile, "w") if logfile else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool", "prefork",
         "--concurrency", str(concurrency), "-n", f"bench-{os.getpid()}@%h",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {process.returncode}")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if logfile:
            log.close()


def outbox_drain(since, *, timeout: float = 120.0) -> dict:
    """Wait until every outbox event created after `since` is handled; returns the counts and
    how long the wait took (the worker's lag behind the requests that wrote them)."""
    from shop.events.models import OutboxEvent

    events = OutboxEvent.objects.filter(created_at__gte=since)
    started = time.perf_counter()
    deadline = started + timeout
    while events.filter(status="pending").exists() and time.perf_counter() < deadline:
        time.sleep(0.2)
    counts = {
        status: events.filter(status=status).count() for status in ("done", "pending", "dead")
    }
    return {
        "events": sum(counts.values()),
        **counts,
        "drained_after_seconds": round(time.perf_counter() - started, 2),
        "all_handled": counts["pending"] == 0 and counts["dead"] == 0,
    }
