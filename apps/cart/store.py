"""Carts in Redis: one hash per cart, changed only by the Lua scripts in `lua/`.

Carts live on CART_REDIS_URL (`shop.redis.redis_client`), never in the cache's database, so
a cache flush or eviction cannot drop one; run that Redis with `maxmemory-policy noeviction`
(a full Redis then refuses writes, which answer 503, rather than silently losing carts).

A cart hash (`cart:user:<user uuid>` or `cart:anon:<token>`) holds:

    version               integer, bumped by every mutation; the API's ETag
    created_at, updated_at
    coupon_code           the coupon on the cart (upper-cased); absent when none
    line:<item_id>        JSON {id, variant_id, product_id, sku, name, quantity, unit_price,
                          added_at}; unit_price is a decimal string, never a float
    variant:<variant_id>  the item id of the variant's line, so a script finds it by variant

Every mutation is ONE script that checks the expected version (If-Match), applies the change,
bumps `version` and renews the TTL atomically; the script answers the hash as its own change
left it. Markers from the scripts become the cart's domain errors here, so callers see either
the new cart or an exception and never a half-applied change.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import redis
from django.utils import timezone

from apps.cart.exceptions import (
    CartItemNotFound,
    CartUnavailable,
    InsufficientStock,
    InvalidInput,
    VersionMismatch,
)
from shop.redis import redis_client, redis_unavailable

_LUA = Path(__file__).resolve().parent / "lua"
NO_STOCK_CHECK = -1


@dataclass(frozen=True)
class StoredLine:
    id: UUID
    variant_id: UUID
    product_id: UUID
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    added_at: datetime

    def as_json(self) -> str:
        return json.dumps(
            {
                "id": str(self.id),
                "variant_id": str(self.variant_id),
                "product_id": str(self.product_id),
                "sku": self.sku,
                "name": self.name,
                "quantity": self.quantity,
                "unit_price": str(self.unit_price),
                "added_at": self.added_at.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> StoredLine:
        data = json.loads(raw)
        return cls(
            id=UUID(data["id"]),
            variant_id=UUID(data["variant_id"]),
            product_id=UUID(data["product_id"]),
            sku=data["sku"],
            name=data["name"],
            quantity=int(data["quantity"]),
            unit_price=Decimal(data["unit_price"]),
            added_at=datetime.fromisoformat(data["added_at"]),
        )


@dataclass(frozen=True)
class StoredCart:
    version: int
    coupon_code: str | None
    lines: tuple[StoredLine, ...]  # oldest first
    created_at: datetime | None


def user_key(user_id: UUID) -> str:
    return f"cart:user:{user_id}"


def anonymous_key(token: str) -> str:
    return f"cart:anon:{token}"


@functools.cache
def _source(name: str) -> str:
    return (_LUA / "_prelude.lua").read_text() + "\n" + (_LUA / f"{name}.lua").read_text()


@functools.cache
def _script(name: str) -> redis.commands.core.Script:
    # Registered once per process: later calls use EVALSHA (and reload on NOSCRIPT by
    # themselves, e.g. after a Redis restart). The client is passed per call because the
    # URL (and so the pool) may differ per call in tests.
    return redis_client().register_script(_source(name))


def _redis_errors_as_unavailable(func):
    """Redis cannot serve the cart now (down, slow, OOM, read-only replica, MISCONF, BUSY,
    LOADING: `shop.redis.redis_unavailable`): CartUnavailable (503); nothing was changed."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except redis.exceptions.RedisError as exc:
            if redis_unavailable(exc):
                raise CartUnavailable() from exc
            raise

    return wrapper


@_redis_errors_as_unavailable
def _call(name: str, keys: list[str], args: list[Any]) -> Any:
    return _script(name)(keys=keys, args=args, client=redis_client())


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


# Parsed lines by their stored JSON: a line's JSON changes with its every change, so a cart
# read parses only the lines written since this process last saw them (the others are the
# same immutable objects). Bounded: past the limit it starts over.
_LINES: dict[bytes | str, StoredLine] = {}
_LINES_MAX = 20_000


def _line(raw: bytes | str) -> StoredLine:
    line = _LINES.get(raw)
    if line is None:
        line = StoredLine.from_json(raw)
        if len(_LINES) >= _LINES_MAX:
            _LINES.clear()
        _LINES[raw] = line
    return line


def _parse(raw: dict[bytes, bytes] | list[bytes]) -> StoredCart:
    """Parse a cart hash: HGETALL's dict, or the flat list a script answers."""
    if isinstance(raw, dict):
        fields = {_text(name): value for name, value in raw.items()}
    else:
        fields = {_text(raw[i]): raw[i + 1] for i in range(0, len(raw), 2)}
    # Oldest first; ties by item id (a UUID orders as its text does).
    lines = sorted(
        (_line(value) for name, value in fields.items() if name.startswith("line:")),
        key=lambda line: (line.added_at, line.id),
    )
    created_at = fields.get("created_at")
    coupon_code = fields.get("coupon_code")
    return StoredCart(
        version=int(fields.get("version", 0)),
        coupon_code=_text(coupon_code) if coupon_code else None,
        lines=tuple(lines),
        created_at=datetime.fromisoformat(_text(created_at)) if created_at else None,
    )


def _now() -> str:
    return timezone.now().isoformat()


def _expected(version: int | None) -> str:
    return "" if version is None else str(version)


class CartMissing(Exception):
    """A write that was to find its cart already there did not (it changed nothing)."""


def _outcome(result: list, *, variant_id: UUID | None = None) -> StoredCart:
    """Turn a mutation script's answer into the stored cart, or raise its domain error."""
    marker = _text(result[0])
    if marker in ("ok", "unchanged"):
        return _parse(result[1])
    if marker == "no_cart":
        raise CartMissing()
    if marker == "mismatch":
        raise VersionMismatch(int(result[1]))
    if marker == "not_found":
        raise CartItemNotFound()
    if marker == "insufficient":
        requested, available = int(result[1]), int(result[2])
        raise InsufficientStock(
            f"Only {max(available, 0)} available; the line would hold {requested}.",
            details={
                "items": [
                    {"variant_id": str(variant_id), "requested": requested, "available": available}
                ]
            },
        )
    if marker == "over_limit":
        resulting, limit = int(result[1]), int(result[2])
        raise InvalidInput(
            f"A line holds at most {limit} units.",
            details={"quantity": [f"The line would hold {resulting}; at most {limit} allowed."]},
        )
    if marker == "too_many_lines":
        raise InvalidInput(
            "The cart is full.",
            details={"variant_id": [f"A cart holds at most {int(result[1])} different items."]},
        )
    raise RuntimeError(f"unexpected answer from a cart script: {marker!r}")


# --- reads ---------------------------------------------------------------------------------


@_redis_errors_as_unavailable
def cart_load(key: str) -> StoredCart:
    """The cart as stored; a missing key reads as an empty cart at version 0."""
    return _parse(redis_client().hgetall(key))


@_redis_errors_as_unavailable
def cart_load_existing(key: str) -> StoredCart | None:
    """The cart as stored, or None when there is no such cart (one round trip)."""
    raw = redis_client().hgetall(key)
    return _parse(raw) if raw else None


@_redis_errors_as_unavailable
def cart_exists(key: str) -> bool:
    return bool(redis_client().exists(key))


@_redis_errors_as_unavailable
def line_load(key: str, item_id: UUID) -> StoredLine | None:
    raw = redis_client().hget(key, f"line:{item_id}")
    return _line(raw) if raw else None


# --- mutations (one script each) ------------------------------------------------------------


def cart_create(key: str, *, ttl: int) -> bool:
    """Create an empty cart at version 0 unless the key exists; True when created."""
    return bool(_call("create", [key], [_now(), ttl]))


def line_add(
    key: str,
    *,
    ttl: int,
    expected_version: int | None,
    new_line: StoredLine,
    quantity: int,
    max_quantity: int,
    max_lines: int,
    available: int,
    must_exist: bool = False,
) -> StoredCart:
    """Add `quantity` units of `new_line.variant_id` (to its line, or as `new_line`). With
    `must_exist` a cart that is not there is not created: CartMissing, nothing written (the
    owner check of a known token folded into the write: one round trip)."""
    result = _call(
        "line_add",
        [key],
        [
            _expected(expected_version),
            ttl,
            _now(),
            max_quantity,
            max_lines,
            str(new_line.variant_id),
            new_line.as_json(),
            quantity,
            available,
            "1" if must_exist else "",
        ],
    )
    return _outcome(result, variant_id=new_line.variant_id)


def line_set_quantity(
    key: str,
    *,
    ttl: int,
    expected_version: int | None,
    item_id: UUID,
    quantity: int,
    available: int = NO_STOCK_CHECK,
    variant_id: UUID | None = None,
) -> StoredCart:
    """Set a line's quantity (0 removes it); `variant_id` only names it in a stock error."""
    result = _call(
        "line_set_quantity",
        [key],
        [_expected(expected_version), ttl, _now(), str(item_id), quantity, available],
    )
    return _outcome(result, variant_id=variant_id)


def cart_clear(key: str, *, ttl: int, expected_version: int | None) -> StoredCart:
    return _outcome(_call("clear", [key], [_expected(expected_version), ttl, _now()]))


def coupon_set(key: str, *, ttl: int, expected_version: int | None, code: str | None) -> StoredCart:
    """Put `code` on the cart, or remove the coupon when `code` is None."""
    result = _call("coupon_set", [key], [_expected(expected_version), ttl, _now(), code or ""])
    return _outcome(result)


def cart_merge(
    key: str,
    source_key: str,
    *,
    ttl: int,
    expected_version: int | None,
    max_quantity: int,
    max_lines: int,
) -> StoredCart:
    """Move the cart at `source_key` into the cart at `key` and delete the source.

    Both keys are touched by one script; on a Redis Cluster they would need a hash tag to
    share a slot (we run a single Redis).
    """
    result = _call(
        "merge",
        [key, source_key],
        [_expected(expected_version), ttl, _now(), max_quantity, max_lines],
    )
    return _outcome(result)
