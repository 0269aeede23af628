"""Search and suggest: the configured backend answers, PostgreSQL when Elasticsearch fails.

With `ELASTICSEARCH_URL` set, reads go to Elasticsearch; when it cannot be reached (or
times out, or answers 5xx, or its index is missing) the same question is answered from
PostgreSQL, whose documents are kept current in every deployment. Each fallback is logged
and counted (`shop_search_fallbacks_total{operation, reason}` on /metrics); after a failure
Elasticsearch is left alone for SEARCH_ES_RETRY_SECONDS, so an outage does not add a
timeout to every request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from apps.search import backends
from apps.search.exceptions import SearchBackendUnavailable, SearchPageNotFound
from apps.search.services.query import (
    DEFAULT_PAGE_SIZE,
    PRICE_BUCKETS,
    SUGGEST_LIMIT,
    SUGGEST_MIN_LENGTH,
    SearchFilters,
    search_query_build,
    suggest_prefix_check,
    words_of,
)
from apps.search.services.results import (
    Facets,
    PriceRangeCount,
    SearchResult,
    Suggestion,
    facets_sorted,
)
from shop import metrics

logger = logging.getLogger("apps.search")

T = TypeVar("T")
_down = {"until": 0.0}
_down_lock = threading.Lock()


def _answer(
    operation: str, ask: Callable[[backends.PostgresBackend | backends.ElasticsearchBackend], T]
) -> T:
    es = backends.elasticsearch()
    if es is not None:
        if time.monotonic() < _down["until"]:
            metrics.SEARCH_FALLBACKS.labels(operation=operation, reason="recently_failed").inc()
        else:
            try:
                return ask(es)
            except SearchBackendUnavailable as exc:
                with _down_lock:
                    _down["until"] = time.monotonic() + settings.SEARCH_ES_RETRY_SECONDS
                metrics.SEARCH_FALLBACKS.labels(operation=operation, reason="unavailable").inc()
                logger.warning(
                    "elasticsearch %s failed, answering from postgresql (retry in %ss): %s",
                    operation,
                    settings.SEARCH_ES_RETRY_SECONDS,
                    exc,
                )
    return ask(backends.postgres())


def elasticsearch_retry_now() -> None:
    """Forget a recent Elasticsearch failure (tests, and operators after a fix)."""
    with _down_lock:
        _down["until"] = 0.0


def _empty(backend: str) -> SearchResult:
    return SearchResult(
        count=0,
        hits=(),
        facets=Facets(
            brands=(),
            categories=(),
            price_ranges=tuple(
                PriceRangeCount(low=lo, high=hi, count=0) for lo, hi in PRICE_BUCKETS
            ),
        ),
        backend=backend,
    )


def search(
    *,
    query: str,
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> SearchResult:
    """Full-text search over active products: the page of hits, their count and the facets.

    Every word of `query` must match (a word the catalog does not contain also matches close
    spellings: one typo in 3-5 letters, two from 6). Relevance ranks name matches above brand
    above description; `sort` may instead order by price, rating or newest. Each facet counts
    with every active filter but its own.

    Raises `InvalidSearch` (400) for bad parameters (see `search_query_build`) and
    `SearchPageNotFound` (404) for a page past the last one (page 1 is always answered).
    """
    checked = search_query_build(
        query=query, filters=filters, sort=sort, page=page, page_size=page_size
    )
    if checked.words:
        result = _answer("search", lambda backend: backend.search(checked))
    else:  # only punctuation: nothing can match
        result = _empty("pg")
    if checked.page > 1 and checked.offset >= result.count:
        raise SearchPageNotFound()
    return SearchResult(
        count=result.count,
        hits=result.hits,
        facets=facets_sorted(result.facets),
        backend=result.backend,
    )


def suggest(*, prefix: str, limit: int = SUGGEST_LIMIT) -> tuple[Suggestion, ...]:
    """Up to `limit` product names completing `prefix` (the last word as a prefix of any word
    of a name, earlier words complete), completions as typed first, then those one typo away
    (two for prefixes of 6+ letters; the first letter must be right). One suggestion per
    distinct name. Prefixes shorter than SUGGEST_MIN_LENGTH get none.

    Raises `InvalidSearch` when `prefix` is blank or too long.
    """
    text = suggest_prefix_check(prefix)
    words = words_of(text)
    if not words or len(text) < SUGGEST_MIN_LENGTH:
        return ()
    return _answer("suggest", lambda backend: backend.suggest(words=words, limit=limit))
