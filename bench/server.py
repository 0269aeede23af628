"""Start the shop under gunicorn on a free loopback port for the length of a benchmark."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    workers: int = 4,
    threads: int = 1,
    env: dict | None = None,
    *,
    application: str = "shop.wsgi:application",
    settings: str = "bench.settings",
    ready_path: str = "/health/live",
):
    """Yield the base URL of a fresh gunicorn (`env` adds to this process's environment),
    serving `application` with `settings` once `ready_path` answers."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings, **(env or {})}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        application,
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
                urllib.request.urlopen(f"{base}{ready_path}", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn ({application}) did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
