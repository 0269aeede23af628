"""Read-through Redis caching of rendered JSON that a slow reader cannot poison.

A plain "delete on commit" leaves a race: a reader that loaded the old rows just before a
write committed can store them *after* the write dropped the key, and they would be served
for the whole TTL. Here every cached entry has a guard counter that writers bump on commit;
a reader notes the guard before it reads the database and stores its result only if the
guard is unchanged at that moment (one atomic script).

Entries are raw bytes (rendered JSON), stored under the Django cache's key prefix through
its Redis connection: a hit is one GET with nothing to unpickle. Redis being down never
fails a read or a write: reads fall back to the database.

Shared plumbing: the catalog's product, tree and list caches and the search result pages use it.

L1: the hottest reads (`cache_get(..., l1=True)`, `guard_read(..., l1=True)`: product details,
the category tree, the list generation and pages) also keep an in-process copy, so a hit costs
no Redis round trip at all. Every invalidation (`guards_bump`) drops the names from this
process's copy at once and PUBLISHes them (in the same pipeline, after the DEL) on a channel
that a daemon thread of every process listens to, which drops them there within milliseconds.
Correctness rules:

- a copy is taken only from a Redis hit, and only if no invalidation message arrived between
  the GET and the store (an epoch counter), so a GET that raced a commit cannot outlive it;
- the copy is used only while the listener is subscribed: until its SUBSCRIBE is confirmed,
  after any error, and after a reconnect (messages in between are lost) the whole copy is
  dropped and reads go to Redis;
- every copy also expires after READ_CACHE_L1_SECONDS (a net under a silent network fault;
  the listener pings Redis every few seconds, so a dead connection is noticed too).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection

logger = logging.getLogger("shop.cache")

_FILL = """
if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""


def render_json(value: Any) -> bytes:
    """JSON bytes as the API's renderer writes them (compact, UTF-8): cached entries hold the
    rendered body, so a hit is served without building or rendering anything."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _redis():
    return get_redis_connection("default")


def cache_get(key: str, *, l1: bool = False) -> bytes | None:
    """The entry under `key`, or None (a miss, or Redis unreachable). With `l1`, from this
    process's copy when it has one, and a Redis hit is copied there."""
    if l1 and (hit := _l1.get(key)) is not None:
        return hit
    epoch = _l1.epoch
    try:
        value = _redis().get(cache.make_key(key))
    except Exception as exc:  # Redis down or misconfigured: the caller reads the database
        logger.warning("cache read failed: %s", exc)
        return None
    if l1 and value is not None:
        _l1.put(key, value, epoch)
    return value


def cache_get_many(keys: Iterable[str], *, l1: bool = False) -> dict[str, bytes]:
    """The entries among `keys` that are cached (L1 first with `l1`), the rest in ONE MGET;
    {} for all of them when Redis is unreachable."""
    found: dict[str, bytes] = {}
    wanted = []
    for key in keys:
        if l1 and (hit := _l1.get(key)) is not None:
            found[key] = hit
        else:
            wanted.append(key)
    if not wanted:
        return found
    epoch = _l1.epoch
    try:
        values = _redis().mget([cache.make_key(key) for key in wanted])
    except Exception as exc:
        logger.warning("cache read failed: %s", exc)
        return found
    for key, value in zip(wanted, values, strict=True):
        if value is not None:
            found[key] = value
            if l1:
                _l1.put(key, value, epoch)
    return found


def guard_read(guard: str, *, l1: bool = False) -> str | None:
    """The guard's current value ('' when never bumped), or None when Redis is unreachable.
    `l1` only for a generation that names which entries to read; never before a guarded fill
    (a stale copy would only make the fill refuse, but why read one)."""
    if l1 and (hit := _l1.get(guard)) is not None:
        return hit.decode()
    epoch = _l1.epoch
    try:
        value = _redis().get(cache.make_key(guard))
    except Exception as exc:
        logger.warning("cache read failed: %s", exc)
        return None
    value = value if value is not None else b""
    if l1:
        _l1.put(guard, value, epoch)
    return value.decode()


def guards_read_many(guards: Iterable[str]) -> dict[str, str] | None:
    """{guard: value ('' when never bumped)} in one MGET, or None when Redis is unreachable
    (the `seen` of several guarded fills)."""
    guards = list(guards)
    try:
        values = _redis().mget([cache.make_key(guard) for guard in guards]) if guards else []
    except Exception as exc:
        logger.warning("cache read failed: %s", exc)
        return None
    return {
        guard: value.decode() if value is not None else ""
        for guard, value in zip(guards, values, strict=True)
    }


def cache_fill(key: str, value: bytes, *, guard: str, seen: str | None, timeout: int) -> bool:
    """Store `value` under `key` only if `guard` still has the value `seen` before the read."""
    if seen is None:
        return False
    try:
        stored = _redis().eval(
            _FILL, 2, cache.make_key(key), cache.make_key(guard), seen, value, int(timeout)
        )
    except Exception as exc:
        logger.warning("cache write failed: %s", exc)
        return False
    return bool(stored)


def cache_set_many(values: dict[str, bytes], *, timeout: int) -> None:
    """Store entries that never go stale (immutable facts), in one round trip; best effort."""
    if not values:
        return
    try:
        pipe = _redis().pipeline(transaction=False)
        for key, value in values.items():
            pipe.set(cache.make_key(key), value, ex=int(timeout))
        pipe.execute()
    except Exception as exc:
        logger.warning("cache write failed: %s", exc)


def guards_bump(guards: Iterable[str], *, drop: Iterable[str] = ()) -> None:
    """Bump guards (so in-flight reads do not store) and drop entries, in one round trip; the
    names are dropped from every process's L1 (here at once, elsewhere by the message)."""
    guards, drop = list(guards), list(drop)
    names = guards + drop
    try:
        pipe = _redis().pipeline(transaction=False)
        for guard in guards:
            pipe.incr(cache.make_key(guard))
        keys = [cache.make_key(key) for key in drop]
        if keys:
            pipe.delete(*keys)
        if names:  # after the DEL: a process that gets the message reads the new state
            pipe.publish(_l1_channel(), "\n".join(names))
        pipe.execute()
    except Exception as exc:
        # Entries expire with their TTL anyway; a write must not fail because of the cache.
        logger.warning("cache invalidation failed: %s", exc)
    finally:
        _l1.drop(names)


# --- L1: this process's copy of the hottest entries ------------------------------------------

L1_MAX_BYTES = 32 * 1024 * 1024  # per process; beyond it, start over
_LISTEN_RETRY_SECONDS = 1.0
_PING_SECONDS = 5


def _l1_channel() -> str:
    # Channels are server-wide, not per database: the cache's prefix and database name it.
    db = _redis().connection_pool.connection_kwargs.get("db", 0)
    return f"{cache.make_key('l1-invalidate')}:{db}"


class _L1:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[bytes, float]] = {}
        self.size = 0  # bytes held (values only)
        self.epoch = 0  # bumped by every drop: a fill that saw an older epoch is refused
        self.live = False  # the listener is subscribed
        self.pid: int | None = None

    def _ready(self) -> bool:
        if self.pid != os.getpid():
            self._start()
        return self.live

    def _start(self) -> None:
        with self.lock:
            if self.pid == os.getpid() or not settings.READ_CACHE_L1_SECONDS:
                return
            # A forked worker starts empty with a listener of its own.
            self.pid, self.live, self.entries, self.size = os.getpid(), False, {}, 0
            self.epoch += 1
            threading.Thread(target=self._listen, name="read-cache-l1", daemon=True).start()

    def get(self, key: str) -> bytes | None:
        if not self._ready():
            return None
        hit = self.entries.get(key)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, key: str, value: bytes, epoch: int) -> None:
        if not self._ready():
            return
        with self.lock:
            if not self.live or self.epoch != epoch:
                return  # an invalidation arrived since the read: it may be about this key
            if self.size + len(value) > L1_MAX_BYTES:
                self.entries, self.size = {}, 0
            self.entries[key] = (value, time.monotonic() + settings.READ_CACHE_L1_SECONDS)
            self.size += len(value)  # a replaced key's old value is counted until a reset

    def drop(self, names: Iterable[str]) -> None:
        with self.lock:
            self.epoch += 1
            for name in names:
                self.entries.pop(name, None)

    def clear(self) -> None:
        with self.lock:
            self.epoch += 1
            self.entries, self.size = {}, 0

    def _down(self) -> None:
        with self.lock:
            self.live = False
            self.epoch += 1
            self.entries, self.size = {}, 0

    def _listen(self) -> None:
        pid = os.getpid()
        while self.pid == pid:
            pubsub = None
            try:
                kwargs = _redis().connection_pool.connection_kwargs
                client = redis.Redis(
                    host=kwargs.get("host", "127.0.0.1"),
                    port=kwargs.get("port", 6379),
                    db=kwargs.get("db", 0),
                    username=kwargs.get("username"),
                    password=kwargs.get("password"),
                    socket_connect_timeout=1,
                    socket_timeout=_PING_SECONDS * 2,
                    health_check_interval=_PING_SECONDS,
                )
                pubsub = client.pubsub()
                pubsub.subscribe(_l1_channel())
                while self.pid == pid:
                    message = pubsub.get_message(timeout=_PING_SECONDS / 2)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        with self.lock:  # anything sent before now was missed: start empty
                            self.entries, self.size, self.live = {}, 0, True
                            self.epoch += 1
                    elif message["type"] == "message":
                        self.drop(message["data"].decode().split("\n"))
            except Exception as exc:
                logger.debug("L1 listener reconnects: %s", exc)
            finally:
                self._down()
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # closing a broken connection
                        pubsub.close()
            time.sleep(_LISTEN_RETRY_SECONDS)


_l1 = _L1()


def l1_clear() -> None:
    """Forget this process's L1 copy (tests, after flushing the cache's Redis)."""
    _l1.clear()


def l1_live() -> bool:
    """Whether this process serves from its L1 (its listener is subscribed)."""
    return _l1._ready()
