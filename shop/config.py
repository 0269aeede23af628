"""Checks of the configuration that run while the settings load, before anything serves.

A setting that would make the shop insecure or fail on every request (a development
SECRET_KEY in production, a THROTTLE_RATES typo) stops the process with ONE line naming the
variable, whatever starts it (gunicorn, celery, manage.py), instead of a traceback or a 500 on
every request. The exit status is 3, gunicorn's "worker failed to boot": its master then stops
instead of starting new workers that would fail the same way.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit

CONFIG_ERROR_EXIT = 3
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key-change-me-in-production"
MIN_KEY_LENGTH = 50
THROTTLE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(Exception):
    """One line that names the variable and says what to do."""


def refuse(error: ConfigError) -> None:
    sys.stderr.write(f"{error}\n")
    sys.stderr.flush()
    raise SystemExit(CONFIG_ERROR_EXIT)


def check_signing_key(name: str, value: str) -> None:
    """A key good enough for production: not the development default, at least 50 characters
    with at least 5 different ones (Django's own `check --deploy` rule)."""
    if (
        value == DEVELOPMENT_SECRET_KEY
        or value.startswith("django-insecure")
        or len(value) < MIN_KEY_LENGTH
        or len(set(value)) < 5
    ):
        raise ConfigError(
            f"{name} is the development default or too weak for DEBUG=0: set {name} to a "
            f"random string of at least {MIN_KEY_LENGTH} characters, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )


def parse_throttle_rates(raw: str) -> dict[str, str]:
    """`anon=100/min,user=1000/min,login=10/min` → {scope: rate}; an empty string disables
    throttling. Raises ConfigError naming THROTTLE_RATES and the bad part."""
    rates = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        scope, equals, rate = (piece.strip() for piece in part.partition("="))
        number, slash, period = rate.partition("/")
        if (
            not scope
            or not equals
            or not slash
            or not number.strip().isdigit()
            or int(number) < 1
            or period.strip()[:1] not in THROTTLE_PERIODS
        ):
            raise ConfigError(
                f"THROTTLE_RATES is malformed at {part!r}: expected comma-separated "
                "scope=N/period with N >= 1 and period s, min, hour or day, "
                "e.g. anon=100/min,user=1000/min,login=10/min"
            )
        rates[scope] = f"{int(number)}/{period.strip()}"
    return rates


def redis_url_with_db(url: str, *, offset: int = 1) -> str:
    """`url` with another database number on the same server: the next one (0 → 1), or the
    previous one when `url` uses the last (15)."""
    parts = urlsplit(url)
    try:
        db = int(parts.path.strip("/") or 0)
    except ValueError:
        raise ConfigError(f"REDIS_URL has no valid database number: {url!r}") from None
    other = db + offset if db + offset <= 15 else db - offset
    return urlunsplit(parts._replace(path=f"/{other}"))
