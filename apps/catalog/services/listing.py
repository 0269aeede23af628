"""Cached pages of the public product lists.

A page is cached under the list generation: any change that a list shows (a product's name,
price, status, in_stock, rating, brand, category …) bumps the generation on commit, which
retires every cached page at once; stock changes that do not flip a product's `in_stock`
leave the pages alone. Fills are guarded like the detail's (shop.read_cache), so a reader
that loaded a page before a change cannot store it after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from shop.read_cache import (
    cache_fill,
    cache_get,
    guard_read,
    guards_bump,
    render_json,
)

_GENERATION = "catalog:list-generation"
_PAGE = "catalog:list:v2:{}:{}"
_COUNT = "catalog:list-count:v1:{}:{}"
PAGE_SECONDS = 300


def _page_key(generation: str, request_key: str) -> str:
    return _PAGE.format(generation, hashlib.sha256(request_key.encode()).hexdigest()[:32])


def product_list_page(*, request_key: str, build: Callable[[], dict[str, Any]]) -> bytes:
    """The rendered page answering `request_key` (the absolute URL with its query), from the
    cache when a page of the current generation is there, else `build()` (then cached)."""
    generation = guard_read(_GENERATION)  # the fill's `seen`: Redis's own value, not L1's
    if generation is not None and (body := cache_get(_page_key(generation, request_key), l1=True)):
        return body
    body = render_json(build())
    if generation is not None:
        key = _page_key(generation, request_key)
        cache_fill(key, body, guard=_GENERATION, seen=generation, timeout=PAGE_SECONDS)
    return body


def product_list_count(*, filters_key: str, count: Callable[[], int]) -> int:
    """The number of products a filter set lists (`filters_key`: its canonical URL without
    page and page size), cached under the list generation like the pages, so the paginator's
    COUNT(*) runs once per filter set and generation, not once per uncached page."""
    generation = guard_read(_GENERATION)
    key = _COUNT.format(generation, hashlib.sha256(filters_key.encode()).hexdigest()[:32])
    if generation is not None and (cached := cache_get(key)) is not None:
        return int(cached)
    number = count()
    if generation is not None:
        cache_fill(
            key, str(number).encode(), guard=_GENERATION, seen=generation, timeout=PAGE_SECONDS
        )
    return number


def product_list_cached_body(*, request_key: str) -> bytes | None:
    """The rendered page if it is cached for the current generation, else None (the
    anonymous fast path: never touches the database)."""
    generation = guard_read(_GENERATION, l1=True)
    if generation is None:
        return None
    return cache_get(_page_key(generation, request_key), l1=True)


def product_lists_invalidate() -> None:
    """Retire every cached list page (call on commit of a change that lists show)."""
    guards_bump([_GENERATION])
