"""Redis clients: carts and rate limits on CART_REDIS_URL; the cache goes through django-redis.

Two logical databases (or instances) because they are different kinds of data: carts and
throttle logs are the only copy (a cart is the source of truth until checkout), the cache is
rebuilt from PostgreSQL at will. `cache.clear()` (FLUSHDB on the cache's database) and an
evicting `maxmemory-policy` on the cache's instance can therefore never drop a cart.
"""

from __future__ import annotations

import functools

import redis
from django.conf import settings


@functools.cache
def _client(url: str) -> redis.Redis:
    # One client (and connection pool) per URL and process: clients are thread-safe, and
    # building one per call cost ~0.3 ms on every cart request.
    pool = redis.ConnectionPool.from_url(
        url, socket_connect_timeout=1, socket_timeout=2, health_check_interval=30
    )
    return redis.Redis(connection_pool=pool)


def redis_client() -> redis.Redis:
    """The Redis of data that must not be lost to a cache flush: carts, throttle logs."""
    return _client(settings.CART_REDIS_URL)


def cache_redis_client() -> redis.Redis:
    """A client of the cache's Redis (REDIS_URL), for health checks; the cache itself is used
    through django-redis."""
    return _client(settings.REDIS_URL)


# Redis cannot serve the command now, and nothing was changed: unreachable or slow, loading
# its data set (LOADING), out of memory under `noeviction` (OOM), a replica during a failover
# (READONLY, MASTERDOWN), refusing writes after a failed snapshot (MISCONF), or stuck in a
# long script (BUSY). The client may retry later; any other error is a bug of ours.
_UNAVAILABLE_CLASSES = (
    redis.exceptions.ConnectionError,  # includes BusyLoadingError (LOADING)
    redis.exceptions.TimeoutError,
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
)
_UNAVAILABLE_CODES = frozenset(
    {"MISCONF", "BUSY", "LOADING", "OOM", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"}
)


def redis_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means "Redis cannot serve this now" (→ 503), not a bug (→ 500)."""
    if isinstance(exc, _UNAVAILABLE_CLASSES):
        return True
    if isinstance(exc, redis.exceptions.ResponseError):
        # redis-py raises a plain ResponseError for the codes it does not map ("MISCONF …",
        # "BUSY …"); the code is the first word (BUSYKEY, a different error, is not BUSY).
        return str(exc).split(" ", 1)[0] in _UNAVAILABLE_CODES
    return False
