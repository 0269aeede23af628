"""Read replicas: reads to a replica, writes and transactions to the primary, and each client's
reads on the primary for a few seconds after its own write (DESIGN.md, Consistency by context).

Installed by settings.py only when `DATABASE_REPLICA_URLS` names replicas; without them neither
the router nor the middleware runs, and every query goes to `default` as before.

Where a query goes:
1. Writes, and querysets that lock or may write (`select_for_update`, `get_or_create`, … for
   which Django asks `db_for_write`) → the primary (`default`). So do migrations: replicas are
   read-only copies that stream the primary's schema.
2. Any read while the primary is inside a transaction (`transaction.atomic`) → the primary: a
   transaction must see its own writes and one snapshot.
3. Reads outside an HTTP request (Celery tasks, management commands, the shell) → the primary.
   They often read what was just written (an outbox event's row, a reservation to expire); code
   that can read slightly old data opts in with `with replica_reads():` (also a decorator).
4. Reads of a request from a client that wrote within `READ_YOUR_WRITES_SECONDS` → the primary.
5. Every other read of a request → one replica per request, chosen at random among the healthy
   ones. A replica that refuses a connection is skipped for `REPLICA_RETRY_SECONDS`, and the
   reads of that request go to the primary: a lost replica costs load, not errors.

Read-your-writes: after a request that wrote (asked `db_for_write`), the middleware pins the
client to the primary for the window in two ways.
- A signed cookie (`db_pin`, Max-Age = the window, the signature's timestamp checked against the
  window): free, and it covers anonymous clients (registration, then sign-in). It is signed so
  a client cannot pin all of its reads to the primary for ever, or for longer than the window.
- For a signed-in user, a Redis key `db-pin:user:<id>` that lives for the window: API clients
  that keep no cookies, and the same user's other devices and sessions, read the user's own
  writes too (an address added on the phone shows on the laptop; a password reset that revokes
  tokens is seen at once by every device). Authentication happens later, in the view, so the
  user id is read from the bearer token's claims without checking its signature; that is safe
  because it only decides whether this request reads from the primary, which grants nothing.
  Pins are written only for the authenticated user of a request that wrote. With Redis
  unreachable a bearer request reads from the primary: slower, never stale.
Replication lag above the window breaks the promise: alert on `shop_db_replica_lag_seconds`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections

from shop import metrics
from shop.redis import redis_client

logger = logging.getLogger("shop.db_routing")

PRIMARY = DEFAULT_DB_ALIAS
PIN_COOKIE = "db_pin"
_PIN_SALT = "shop.db_routing.pin"
REPLICA_RETRY_SECONDS = 30

_down_until: dict[str, float] = {}


@dataclass
class _Routing:
    """Where the reads of the current request (or `replica_reads` block) go; None = primary."""

    replica: str | None
    wrote: bool = False


_current: ContextVar[_Routing | None] = ContextVar("shop_db_routing", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


def _pick_replica() -> str | None:
    now = time.monotonic()
    healthy = [alias for alias in replica_aliases() if _down_until.get(alias, 0.0) <= now]
    return random.choice(healthy) if healthy else None


def _connectable(alias: str) -> bool:
    """Whether the replica's connection is open or can be opened now; a refusal marks it down."""
    conn = connections[alias]
    if conn.connection is not None:
        return True
    try:
        conn.ensure_connection()
    except Error as exc:
        _down_until[alias] = time.monotonic() + REPLICA_RETRY_SECONDS
        metrics.DB_REPLICA_UNAVAILABLE.labels(alias=alias).inc()
        logger.warning("replica %s unreachable, reading from the primary: %s", alias, exc)
        return False
    return True


class ReplicaRouter:
    """DATABASE_ROUTERS entry; the rules are in this module's docstring."""

    def db_for_read(self, model, **hints) -> str:
        routing = _current.get()
        if routing is None or routing.replica is None:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if not _connectable(routing.replica):
            routing.replica = None
            return PRIMARY
        return routing.replica

    def db_for_write(self, model, **hints) -> str:
        routing = _current.get()
        if routing is not None:
            routing.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Every alias is the same database (the primary or a copy of it).
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


@contextmanager
def replica_reads() -> Iterator[None]:
    """Send the reads inside this block (outside transactions) to a replica: the opt-in for
    Celery tasks and commands that can read data a few seconds old (reports, exports)."""
    token = _current.set(_Routing(replica=_pick_replica()))
    try:
        yield
    finally:
        _current.reset(token)


def _user_pin_key(user_id: object) -> str:
    return f"db-pin:user:{user_id}"


def _bearer_user_id(request) -> str | None:
    """The user id claimed by the request's bearer token, unverified (see the module doc)."""
    jwt_settings = getattr(settings, "SIMPLE_JWT", {})
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme not in jwt_settings.get("AUTH_HEADER_TYPES", ("Bearer",)):
        return None
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        user_id = claims[jwt_settings.get("USER_ID_CLAIM", "user_id")]
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error):
        return None
    return str(user_id)[:64]


class ReadYourWritesMiddleware:
    """Opens the routing scope of each request and pins clients that wrote (module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pinned = self._pinned(request)
        routing = _Routing(replica=None if pinned else _pick_replica())
        token = _current.set(routing)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        reads = "pinned" if pinned else "replica" if routing.replica else "no_replica"
        metrics.DB_ROUTED_REQUESTS.labels(reads=reads).inc()
        if routing.wrote:
            self._pin(request, response)
        return response

    @staticmethod
    def _pinned(request) -> bool:
        window = settings.READ_YOUR_WRITES_SECONDS
        if request.COOKIES.get(PIN_COOKIE) is not None:
            signed = request.get_signed_cookie(
                PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=window
            )
            if signed is not None:
                return True
        user_id = _bearer_user_id(request)
        if user_id is None:
            return False
        try:
            return bool(redis_client().exists(_user_pin_key(user_id)))
        except redis.RedisError:
            return True

    @staticmethod
    def _pin(request, response) -> None:
        window = settings.READ_YOUR_WRITES_SECONDS
        response.set_signed_cookie(
            PIN_COOKIE,
            "1",
            salt=_PIN_SALT,
            max_age=window,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        try:
            redis_client().set(_user_pin_key(user.pk), 1, ex=window)
        except redis.RedisError as exc:
            logger.warning("read-your-writes pin of user %s not stored: %s", user.pk, exc)
