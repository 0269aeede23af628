"""Real server processes for fault tests: gunicorn and a Celery worker on the suite's test
database, and a TCP port where nothing listens.

The processes get `tests.settings` and the suite's database (DATABASE_URL is rebuilt from the
test connection), so they see what a `transaction=True` test committed and share its Redis.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connections

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then released): connecting is refused."""
    return free_port()


def process_env(**extra: str) -> dict[str, str]:
    db = connections["default"].settings_dict  # the suite's test database
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start_gunicorn(*, env: dict[str, str], workers: int = 1) -> tuple[subprocess.Popen, str]:
    """gunicorn (sync workers, as deploy/gunicorn.conf.py) on a free port; returns (process,
    base URL) once /health/live answers."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "shop.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, f"gunicorn exited with {process.returncode}"
        try:
            with urllib.request.urlopen(f"{base}/health/live", timeout=5):
                break
        except (OSError, urllib.error.URLError):
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
    return process, base


def start_worker(*, env: dict[str, str], queues: list[str], name: str, logfile: Path):
    """A real `celery -A shop worker` (prefork, one child, as deployed) consuming `queues`."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shop", "worker", "-Q", ",".join(queues),
         "--pool", "prefork", "--concurrency", "1", "-n", f"{name}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel", "INFO", "--logfile", str(logfile)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def children(pid: int) -> list[int]:
    """The direct child processes of `pid` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
