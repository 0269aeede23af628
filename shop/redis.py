"""The shared Redis client (carts, locks, counters); the cache goes through django-redis."""

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
    return _client(settings.REDIS_URL)
