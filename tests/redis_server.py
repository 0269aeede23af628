"""A throwaway real Redis server for tests that need Redis in a given state (full, MISCONF,
BUSY …): started on a free port, stopped afterwards, nothing faked."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis


@contextmanager
def redis_server(*args: str) -> Iterator[str]:
    """Run `redis-server` with extra `args`; yields its URL (database 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *args],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "the test Redis did not start"
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@contextmanager
def misconf_redis(tmp_path) -> Iterator[str]:
    """A Redis that refuses writes with MISCONF: it must snapshot (`save`), and its last
    snapshot failed because its directory vanished. Reads still work."""
    directory = tmp_path / "redis-dir"
    directory.mkdir()
    with redis_server("--save", "3600 1", "--dir", str(directory)) as url:
        client = redis.Redis.from_url(url)
        directory.rmdir()
        client.bgsave()
        deadline = time.monotonic() + 10
        while client.info("persistence")["rdb_last_bgsave_status"] != "err":
            assert time.monotonic() < deadline, "the snapshot did not fail"
            time.sleep(0.05)
        yield url


@contextmanager
def busy_redis() -> Iterator[str]:
    """A Redis stuck in a long Lua script: every other command answers BUSY until the script
    is killed (after 50 ms of it, `busy-reply-threshold`)."""
    import threading

    with redis_server("--busy-reply-threshold", "50") as url:
        blocker = redis.Redis.from_url(url, socket_timeout=30)

        def run_forever():
            with contextlib.suppress(redis.exceptions.ResponseError):  # SCRIPT KILL, below
                blocker.eval("while true do end", 0)

        thread = threading.Thread(target=run_forever, daemon=True)
        thread.start()
        probe = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                probe.ping()
            except redis.exceptions.ResponseError as exc:
                if str(exc).startswith("BUSY"):
                    break
                raise
            assert time.monotonic() < deadline, "the script did not make Redis busy"
            time.sleep(0.02)
        try:
            yield url
        finally:
            probe.script_kill()
            thread.join(timeout=10)
