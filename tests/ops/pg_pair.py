"""A PostgreSQL primary and its streaming replica of our own, for the read-replica tests.

Both clusters live in a temporary directory on spare loopback ports, made with the server's own
binaries (initdb, pg_ctl, pg_basebackup -R), so nothing of the machine's cluster changes and a
fresh machine needs nothing set up. The primary gets the schema of the suite's test database
(pg_dump --schema-only, faster than running the migrations), then the replica is cloned from
it and streams every later change. Durability is off: these clusters live for one test module.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

DATABASE = "shop"
TIMEOUT = 60


def _bin_dir(major: int) -> Path:
    """The server's own binaries (Debian keeps them off PATH), else whatever PATH has."""
    debian = Path(f"/usr/lib/postgresql/{major}/bin")
    if (debian / "initdb").exists():
        return debian
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError(f"initdb of PostgreSQL {major} not found (/usr/lib/postgresql/...)")
    return Path(initdb).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    port: int
    datadir: Path

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=DATABASE, **kwargs
        )


class PgPair:
    """`start()` builds and starts both clusters; `stop()` stops them and deletes the files."""

    def __init__(self, *, source: dict, major: int):
        self.source = source  # Django settings of the database whose schema the primary gets
        self.bin = _bin_dir(major)
        self.root = Path(tempfile.mkdtemp(prefix="shop-pg-pair-"))
        self.primary = Cluster(free_port(), self.root / "primary")
        self.replica = Cluster(free_port(), self.root / "replica")
        self._run_as: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]

    def _server(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [*self._run_as, str(self.bin / args[0]), *args[1:]]
        return subprocess.run(
            command, check=True, capture_output=True, text=True, timeout=TIMEOUT, **kwargs
        )

    def _start(self, cluster: Cluster) -> None:
        options = " ".join(
            [
                f"-p {cluster.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c shared_buffers=16MB",
                "-c max_connections=40",
                "-c wal_level=replica",
                "-c max_wal_senders=4",
                "-c wal_receiver_status_interval=1",
            ]
        )
        log = self.root / f"{cluster.datadir.name}.log"
        self._server(
            "pg_ctl",
            "-D",
            str(cluster.datadir),
            "-l",
            str(log),
            "-w",
            "-t",
            "30",
            "-o",
            options,
            "start",
        )

    def start(self) -> PgPair:
        try:
            self._server(
                "initdb",
                "-D",
                str(self.primary.datadir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "-N",
            )
            self._start(self.primary)
            with psycopg.connect(
                host="127.0.0.1",
                port=self.primary.port,
                user="postgres",
                dbname="postgres",
                autocommit=True,
            ) as conn:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
            self._load_schema()
            self._server(
                "pg_basebackup",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.primary.port),
                "-U",
                "postgres",
                "-D",
                str(self.replica.datadir),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-N",
            )
            self._start(self.replica)
            self._wait_streaming()
        except subprocess.CalledProcessError as exc:
            self.stop()
            raise RuntimeError(f"{exc.cmd[len(self._run_as)]} failed: {exc.stderr}") from exc
        except BaseException:
            self.stop()
            raise
        return self

    def _load_schema(self) -> None:
        src = self.source
        env = {**os.environ, "PGPASSWORD": src.get("PASSWORD") or ""}
        dump = subprocess.run(
            [
                str(self.bin / "pg_dump"),
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                "-h",
                src.get("HOST") or "127.0.0.1",
                "-p",
                str(src.get("PORT") or 5432),
                "-U",
                src.get("USER") or "postgres",
                src["NAME"],
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
        )
        subprocess.run(
            [
                str(self.bin / "psql"),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.primary.port),
                "-U",
                "postgres",
                "-d",
                DATABASE,
            ],
            input=dump.stdout,
            check=True,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )

    def _wait_streaming(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            with self.primary.connect(autocommit=True) as conn:
                state = conn.execute("SELECT state FROM pg_stat_replication").fetchone()
            if state and state[0] == "streaming":
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica is not streaming (state {state})")
            time.sleep(0.1)

    def wait_replayed(self, timeout: float = 10.0) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with self.primary.connect(autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with self.replica.connect(autocommit=True) as conn:
            while True:
                caught_up = conn.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
                ).fetchone()[0]
                if caught_up:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError("the replica did not catch up")
                time.sleep(0.02)

    def stop(self) -> None:
        for cluster in (self.replica, self.primary):
            if (cluster.datadir / "postmaster.pid").exists():
                # Already gone is fine: the files are removed below either way.
                with contextlib.suppress(subprocess.SubprocessError):
                    self._server("pg_ctl", "-D", str(cluster.datadir), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
