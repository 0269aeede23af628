"""Real parallel work for concurrency tests: threads, each with its own database connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection


def run_parallel(count: int, work):
    """Run work(i) in `count` threads released together; returns each result or exception."""
    barrier = threading.Barrier(count)

    def job(i):
        try:
            barrier.wait(timeout=30)
            return work(i)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(job, range(count)))
