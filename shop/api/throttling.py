"""Throttles whose rates come from `settings.THROTTLE_RATES` (env `THROTTLE_RATES`).

Rates are read on each request rather than once at import, so operators and tests can change
them without a restart of the class machinery. Counters live in the Redis cache.
"""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework import throttling

logger = logging.getLogger("shop.api")


class _SettingsRateMixin:
    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception as exc:
            # The counters live in Redis; with Redis down the API keeps answering (fail
            # open) rather than turning every request into a 500.
            logger.warning("throttle %s not checked: %s", self.scope, exc)
            return True

    def parse_rate(self, rate):
        # DRF reads only the unit's first letter; accept "10/min" as well as "10/m".
        num, period = rate.split("/")
        return int(num), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]


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
