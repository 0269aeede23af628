"""Serve the minimal-stack yardstick under gunicorn, in the shop's shape (bench/server.py)."""

from __future__ import annotations

import contextlib

from bench.server import gunicorn

PATH = "/bench/bare"


@contextlib.contextmanager
def minimal_gunicorn(workers: int, threads: int):
    """Yield the base URL of a gunicorn serving bench.minimal with `workers` x `threads`."""
    with gunicorn(
        workers,
        threads,
        application="bench.minimal.wsgi:application",
        settings="bench.minimal.settings",
        ready_path=PATH,
    ) as base:
        yield base
