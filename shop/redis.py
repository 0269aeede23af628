"""The shared Redis client (carts, locks, counters); the cache goes through django-redis."""

from __future__ import annotations

import functools

import redis
from django.conf import settings


@functools.cache
def _pool(url: str) -> redis.ConnectionPool:
    return redis.ConnectionPool.from_url(
        url, socket_connect_timeout=1, socket_timeout=2, health_check_interval=30
    )


def redis_client() -> redis.Redis:
    return redis.Redis(connection_pool=_pool(settings.REDIS_URL))
