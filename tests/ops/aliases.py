"""Point database aliases somewhere else for a block: a cluster of tests/ops/pg_pair.py, or a
closed port (a database that is down)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

from tests.ops.pg_pair import DATABASE


@contextmanager
def databases(ports: dict[str, int]) -> Iterator[None]:
    """Point each alias at 127.0.0.1:<port> (database `shop`, user postgres) in the block; the
    caller unblocks database access (django_db_blocker) around it."""
    saved = {alias: connections.settings.get(alias) for alias in ports}
    held = {}
    base = connections["default"].settings_dict
    for alias, port in ports.items():
        try:
            held[alias] = getattr(connections._connections, alias)
            del connections[alias]
        except AttributeError:
            pass
        connections.settings[alias] = {
            **base,
            "NAME": DATABASE,
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": port,
            "OPTIONS": {"connect_timeout": 3},
        }
    try:
        yield
    finally:
        for alias in ports:
            try:
                connections[alias].close()
                del connections[alias]
            except AttributeError:
                pass
            if saved[alias] is None:
                del connections.settings[alias]
            else:
                connections.settings[alias] = saved[alias]
            if alias in held:
                connections[alias] = held[alias]
