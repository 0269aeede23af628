"""Cached search and suggest answers (rendered JSON), retired whenever the index changes.

Like the catalog's list pages: every answer is cached under the index generation, which
each committed index change bumps, retiring every cached answer at once; fills are guarded
(shop.read_cache), so a reader that searched before a change committed cannot store its
answer after it. Search answers are the same for everyone (no hidden products), so signed-in
clients share the cache; anonymous hits skip DRF entirely (shop.api.fastpath).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings

from shop.read_cache import cache_fill, cache_get, guard_read, guards_bump, render_json

_GENERATION = "search:generation"
_ANSWER = "search:answer:v1:{}:{}"


def _key(generation: str, request_key: str) -> str:
    return _ANSWER.format(generation, hashlib.sha256(request_key.encode()).hexdigest()[:32])


def search_answer(*, request_key: str, build: Callable[[], dict[str, Any]]) -> bytes:
    """The rendered answer to `request_key` (the absolute URL with its query): cached for the
    current generation, else `build()` rendered (and cached). Errors `build` raises (bad
    parameters, a page past the end) propagate and nothing is cached."""
    generation = guard_read(_GENERATION)
    if generation is not None and (body := cache_get(_key(generation, request_key))):
        return body
    body = render_json(build())
    if generation is not None:
        cache_fill(
            _key(generation, request_key),
            body,
            guard=_GENERATION,
            seen=generation,
            timeout=settings.SEARCH_CACHE_SECONDS,
        )
    return body


def search_answer_cached(*, request_key: str) -> bytes | None:
    """The cached answer for the current generation, else None (the anonymous fast path:
    never touches the database)."""
    generation = guard_read(_GENERATION)
    if generation is None:
        return None
    return cache_get(_key(generation, request_key))


def search_answers_invalidate() -> None:
    """Retire every cached answer (after an index change committed)."""
    guards_bump([_GENERATION])
