"""The shop's settings for benchmarks: production-like (DEBUG off), plus a bare JSON view."""

from shop.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
THROTTLE_RATES = {}  # the load generator is one client address; rate limits would measure 429s
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
