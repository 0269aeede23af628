"""Serve the minimal-stack yardstick under gunicorn, in the shop's shape (bench/server.py)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.server import ROOT, _free_port

PATH = "/bench/bare"


@contextlib.contextmanager
def minimal_gunicorn(workers: int, threads: int):
    """Yield the base URL of a gunicorn serving bench.minimal with `workers` x `threads`."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.minimal.settings"}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "bench.minimal.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "--backlog",
        "256",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}{PATH}", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("minimal gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
