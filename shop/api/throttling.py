"""Throttles whose rates come from `settings.THROTTLE_RATES` (env `THROTTLE_RATES`).

Rates are read on each request rather than once at import, so operators and tests can change
them without a restart. Each check is one Lua script on the carts' Redis (CART_REDIS_URL,
not the cache: a cache flush must not reset the limits): a sliding log (the same rule as
DRF's: at most N requests in any window of the period), trimmed, counted and appended
atomically, so concurrent requests on several processes are all counted (DRF's own throttles
read the log, then write it back, and lose counts under concurrency). With Redis down,
requests are let through (fail open).
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from rest_framework import throttling

from shop.config import THROTTLE_PERIODS as PERIODS
from shop.redis import redis_client

logger = logging.getLogger("shop.api")

KEY_PREFIX = "throttle:"

# KEYS[1] the log; ARGV: period (s), limit, a unique member. Redis's clock, so several app
# servers agree. Answers {1} when allowed, else {0, seconds until the oldest entry expires}.
_SLIDING_LOG = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local period = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(period))
  return {1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + period - now)}
"""


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/min" → (10, 60). DRF reads only the unit's first letter; so do we."""
    num, period = rate.split("/")
    return int(num), PERIODS[period.strip()[0]]


def rate_check(key: str, rate: str) -> tuple[bool, float]:
    """Count one request under `key` at `rate` ("10/min"): (allowed, seconds to wait).
    Fails open (allowed) when Redis cannot be reached. Also used outside DRF (admin login)."""
    num_requests, duration = parse_rate(rate)
    try:
        allowed, *wait = redis_client().eval(
            _SLIDING_LOG, 1, f"{KEY_PREFIX}{key}", duration, num_requests, uuid.uuid4().hex
        )
    except Exception as exc:
        logger.warning("throttle %s not checked: %s", key, exc)
        return True, 0.0
    return bool(allowed), float(wait[0]) if wait else 0.0


class _SettingsRateMixin:
    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        return parse_rate(rate)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        allowed, self.retry_after = rate_check(self.key, self.rate)
        return allowed

    def wait(self):
        return self.retry_after


class AnonRateThrottle(_SettingsRateMixin, throttling.AnonRateThrottle):
    def __init__(self):  # the base reads the rate in __init__; we read it per request
        pass


class UserRateThrottle(_SettingsRateMixin, throttling.UserRateThrottle):
    def __init__(self):
        pass


class ScopedRateThrottle(_SettingsRateMixin, throttling.ScopedRateThrottle):
    """Throttle by the view's `throttle_scope` (e.g. `login`), per user or client address."""

    def __init__(self):
        pass

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        return super().allow_request(request, view)
