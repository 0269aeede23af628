"""The search app's public interface: what the API, commands, receivers and tasks call.

    search(query=, filters=, sort=, page=, page_size=) -> SearchResult (hits, count, facets)
    suggest(prefix=, limit=) -> tuple[Suggestion, ...]
    index(product_ids=) / delete(product_ids=) / rebuild(backend=, batch_size=, progress=)

The backend is chosen by settings: Elasticsearch when `ELASTICSEARCH_URL` is set (answers
fall back to PostgreSQL when it fails), else PostgreSQL. Import from here only; the modules
of this package are its private layout.
"""

from apps.search.services.cache import (
    search_answer,
    search_answer_cached,
    search_answers_invalidate,
)
from apps.search.services.indexing import (
    delete,
    documents_count,
    in_stock_indexed,
    index,
    rebuild,
)
from apps.search.services.query import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    PRICE_BUCKETS,
    SORTS,
    SearchFilters,
)
from apps.search.services.results import (
    BrandCount,
    CategoryCount,
    Facets,
    IndexSummary,
    PriceRangeCount,
    RebuildSummary,
    SearchHit,
    SearchResult,
    Suggestion,
)
from apps.search.services.searching import elasticsearch_retry_now, search, suggest

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "MAX_QUERY_LENGTH",
    "PRICE_BUCKETS",
    "SORTS",
    "BrandCount",
    "CategoryCount",
    "Facets",
    "IndexSummary",
    "PriceRangeCount",
    "RebuildSummary",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "Suggestion",
    "delete",
    "documents_count",
    "in_stock_indexed",
    "elasticsearch_retry_now",
    "index",
    "rebuild",
    "search",
    "search_answer",
    "search_answer_cached",
    "search_answers_invalidate",
    "suggest",
]
