"""Cached pages of the public product lists.

A page is cached under the list generation: any change that a list shows (a product's name,
price, status, in_stock, rating, brand, category …) bumps the generation on commit, which
retires every cached page at once; stock changes that do not flip a product's `in_stock`
leave the pages alone. Fills are guarded like the detail's (read_cache), so a reader that
loaded a page before a change cannot store it after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from apps.catalog.services.read_cache import cache_fill, cache_get, guard_read, guards_bump

_GENERATION = "catalog:list-generation"
_PAGE = "catalog:list:v1:{}:{}"
PAGE_SECONDS = 300


def product_list_page(*, request_key: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The page answering `request_key` (the absolute URL with its query), from the cache
    when a page of the current generation is there, else `build()` (then cached)."""
    generation = guard_read(_GENERATION)
    digest = hashlib.sha256(request_key.encode()).hexdigest()[:32]
    key = _PAGE.format(generation, digest)
    if generation is not None and (page := cache_get(key)) is not None:
        return page
    page = build()
    cache_fill(key, page, guard=_GENERATION, seen=generation, timeout=PAGE_SECONDS)
    return page


def product_lists_invalidate() -> None:
    """Retire every cached list page (call on commit of a change that lists show)."""
    guards_bump([_GENERATION])
