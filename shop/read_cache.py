"""Read-through Redis caching of rendered JSON that a slow reader cannot poison.

A plain "delete on commit" leaves a race: a reader that loaded the old rows just before a
write committed can store them *after* the write dropped the key, and they would be served
for the whole TTL. Here every cached entry has a guard counter that writers bump on commit;
a reader notes the guard before it reads the database and stores its result only if the
guard is unchanged at that moment (one atomic script).

Entries are raw bytes (rendered JSON), stored under the Django cache's key prefix through
its Redis connection: a hit is one GET with nothing to unpickle. Redis being down never
fails a read or a write: reads fall back to the database.

Shared plumbing: the catalog's product and list caches and the search result pages use it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

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


def cache_get(key: str) -> bytes | None:
    try:
        return _redis().get(cache.make_key(key))
    except Exception as exc:  # Redis down or misconfigured: the caller reads the database
        logger.warning("cache read failed: %s", exc)
        return None


def guard_read(guard: str) -> str | None:
    """The guard's current value ('' when never bumped), or None when Redis is unreachable."""
    try:
        value = _redis().get(cache.make_key(guard))
    except Exception as exc:
        logger.warning("cache read failed: %s", exc)
        return None
    return value.decode() if value is not None else ""


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


def guards_bump(guards: Iterable[str], *, drop: Iterable[str] = ()) -> None:
    """Bump guards (so in-flight reads do not store) and drop entries, in one round trip."""
    try:
        pipe = _redis().pipeline(transaction=False)
        for guard in guards:
            pipe.incr(cache.make_key(guard))
        keys = [cache.make_key(key) for key in drop]
        if keys:
            pipe.delete(*keys)
        pipe.execute()
    except Exception as exc:
        # Entries expire with their TTL anyway; a write must not fail because of the cache.
        logger.warning("cache invalidation failed: %s", exc)
