"""Elasticsearch, when `ELASTICSEARCH_URL` is set, through the DSL that the pinned client ships.

`from elasticsearch.dsl import ...`: since elasticsearch 8.18 the DSL lives inside the client
package, and the pinned elasticsearch-dsl 8.18.0 is only a shim that re-exports
`elasticsearch.dsl` under its old name; importing the real module avoids the alias layer.

- Index: `SEARCH_ES_INDEX` is an alias; `rebuild` builds a new index behind it (named
  `<alias>-<UTC time>`) and swaps the alias in one atomic `update_aliases`, so search never
  goes dark. While a rebuild runs, `<alias>-rebuilding` points at the new index and every
  incremental write goes to both.
- Query: one `multi_match` (best_fields over `name^3, brand^2, description`, `fuzziness:
  AUTO`) per query word, all required: every word must match, in whichever field matches it
  best (a single multi_match with operator AND would need all words in ONE field, and
  cross_fields, which would not, cannot be fuzzy).
- Facets: the facet filters (brand, category, price) go in `post_filter`, and each facet is a
  `filter` aggregation holding the other two, so each counts without its own filter.
- Suggest: the completion suggester with `fuzzy: {fuzziness: AUTO}` over `suggest`, whose
  inputs are the name and its word tails ("Slim Laptop Pro", "Laptop Pro", "Pro"), so a
  prefix completes any word of a name as the PostgreSQL backend does; `name.suggest` (the
  original design's sub-field) completes from the start of the name only.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.dsl import (
    Boolean,
    Completion,
    Date,
    Float,
    Index,
    Integer,
    Keyword,
    Mapping,
    Nested,
    Q,
    Search,
    Text,
)
from elasticsearch.helpers import bulk

from apps.search.exceptions import SearchBackendUnavailable
from apps.search.services.documents import SearchDocumentData
from apps.search.services.query import FACET_SIZE, PRICE_BUCKETS, SearchQuery
from apps.search.services.results import (
    BrandCount,
    CategoryCount,
    Facets,
    PriceRangeCount,
    SearchHit,
    SearchResult,
    Suggestion,
)

logger = logging.getLogger("apps.search")

FIELDS = ["name^3", "brand^2", "description"]
SOURCE = ["name", "brand", "price", "in_stock", "rating"]
SORTS: dict[str, list[Any]] = {
    "relevance": ["_score", {"rating": "desc"}, {"num_reviews": "desc"}, {"id": "asc"}],
    "price_asc": [{"price": "asc"}, {"id": "asc"}],
    "price_desc": [{"price": "desc"}, {"id": "asc"}],
    "rating": [{"rating": "desc"}, {"num_reviews": "desc"}, {"id": "asc"}],
    "newest": [{"created_at": "desc"}, {"id": "asc"}],
}
SUGGEST_TAILS = 6  # completion inputs per name: the name and its first word tails


# --- index definition ------------------------------------------------------------------


def index_mapping() -> Mapping:
    """The original design's mapping (DESIGN: name with keyword and completion sub-fields,
    brand, category ids, price, in_stock, rating, num_reviews, created_at). `brand` is text
    with a `keyword` sub-field, because multi_match needs it analyzed and facets need the
    exact value; `category` (nested id/name/path) names the category facet's values."""
    mapping = Mapping()
    mapping.meta("dynamic", "strict")
    mapping.field("id", Keyword())
    mapping.field(
        "name",
        Text(analyzer="standard", fields={"keyword": Keyword(), "suggest": Completion()}),
    )
    mapping.field("description", Text(analyzer="standard"))
    mapping.field("brand", Text(analyzer="standard", fields={"keyword": Keyword()}))
    mapping.field("brand_id", Keyword())
    mapping.field("category_ids", Keyword())
    mapping.field(
        "category", Nested(properties={"id": Keyword(), "name": Keyword(), "path": Keyword()})
    )
    mapping.field("price", Float())
    mapping.field("price_max", Float())
    mapping.field("in_stock", Boolean())
    mapping.field("rating", Float())
    mapping.field("num_reviews", Integer())
    mapping.field("created_at", Date())
    mapping.field("suggest", Completion())
    return mapping


def index_definition(name: str) -> Index:
    """A new physical index: the mapping, and no refresh while a rebuild fills it."""
    index = Index(name)
    index.mapping(index_mapping())
    index.settings(refresh_interval="-1")
    return index


def _tails(name: str) -> list[str]:
    words = name.split()
    return [" ".join(words[start:]) for start in range(min(len(words), SUGGEST_TAILS))]


def document_body(document: SearchDocumentData) -> dict[str, Any]:
    """The `_source` of a product. Money goes as strings ("29.99"): Elasticsearch indexes
    them as numbers and returns the source as sent, so prices come back exact."""
    return {
        "id": str(document.product_id),
        "name": document.name,
        "description": document.description,
        "brand": document.brand_name or None,
        "brand_id": str(document.brand_id) if document.brand_id else None,
        "category_ids": [str(c) for c in document.category_ids],
        "category": [
            {"id": str(i), "name": n, "path": p}
            for i, n, p in zip(
                document.category_ids,
                document.category_names,
                document.category_paths,
                strict=True,
            )
        ],
        "price": f"{document.price_min:.2f}",
        "price_max": f"{document.price_max:.2f}",
        "in_stock": document.in_stock,
        "rating": f"{document.rating:.2f}",
        "num_reviews": document.num_reviews,
        "created_at": document.created_at.isoformat(),
        "suggest": {"input": _tails(document.name), "weight": document.num_reviews},
    }


def bulk_actions(
    index: str, documents: Sequence[SearchDocumentData], removed: Sequence[UUID]
) -> list[dict[str, Any]]:
    """The bulk request that brings `index` up to date for these products."""
    actions: list[dict[str, Any]] = [
        {"_op_type": "delete", "_index": index, "_id": str(product_id)} for product_id in removed
    ]
    actions += [
        {
            "_op_type": "index",
            "_index": index,
            "_id": str(d.product_id),
            "_source": document_body(d),
        }
        for d in documents
    ]
    return actions


def alias_swap_actions(alias: str, rebuilding: str, new: str, old: Sequence[str]) -> list[dict]:
    """One atomic `update_aliases`: the alias leaves the old indices and points at the new
    one, and the rebuilding alias is dropped."""
    actions: list[dict] = [{"remove": {"index": index, "alias": alias}} for index in old]
    actions.append({"add": {"index": new, "alias": alias}})
    actions.append({"remove": {"index": new, "alias": rebuilding}})
    return actions


# --- queries ---------------------------------------------------------------------------


def _facet_filters(query: SearchQuery) -> dict[str, Q | None]:
    f = query.filters
    price: dict[str, str] = {}
    if f.min_price is not None:
        price["gte"] = f"{f.min_price:.2f}"
    if f.max_price is not None:
        price["lte"] = f"{f.max_price:.2f}"
    return {
        "brand": Q("term", brand_id=str(f.brand_id)) if f.brand_id else None,
        "category": Q("term", category_ids=str(f.category_id)) if f.category_id else None,
        "price": Q("range", price=price) if price else None,
    }


def _all_of(filters: Sequence[Q | None]) -> Q:
    kept = [f for f in filters if f is not None]
    return Q("bool", filter=kept) if kept else Q("match_all")


def search_request(query: SearchQuery, *, index: str = "") -> Search:
    """The search request (query, post_filter, facet aggregations, sort, page) for `query`."""
    must = [
        Q("multi_match", query=word, type="best_fields", fields=FIELDS, fuzziness="AUTO")
        for word in query.words
    ]
    always = []
    if query.filters.in_stock is not None:
        always.append(Q("term", in_stock=query.filters.in_stock))
    search = Search(index=index or None).query(Q("bool", must=must, filter=always))
    facet = _facet_filters(query)
    if any(facet.values()):
        search = search.post_filter(_all_of(list(facet.values())))

    brands = search.aggs.bucket(
        "brands", "filter", filter=_all_of([facet["category"], facet["price"]])
    )
    brands.bucket("by_brand", "terms", field="brand_id", size=FACET_SIZE).bucket(
        "name", "terms", field="brand.keyword", size=1
    )
    categories = search.aggs.bucket(
        "categories", "filter", filter=_all_of([facet["brand"], facet["price"]])
    )
    categories.bucket("category", "nested", path="category").bucket(
        "by_category", "terms", field="category.id", size=FACET_SIZE
    ).bucket("name", "terms", field="category.name", size=1)
    prices = search.aggs.bucket(
        "price_ranges", "filter", filter=_all_of([facet["brand"], facet["category"]])
    )
    prices.bucket(
        "by_price",
        "range",
        field="price",
        ranges=[
            {"from": float(low), **({"to": float(high)} if high is not None else {})}
            for low, high in PRICE_BUCKETS
        ],
    )
    search = search.sort(*SORTS[query.sort]).source(SOURCE).extra(track_total_hits=True)
    if query.sort != "relevance":
        search = search.extra(track_scores=True)  # `score` is a number whatever the order
    return search[query.offset : query.offset + query.page_size]


def suggest_request(words: Sequence[str], limit: int, *, index: str = "") -> Search:
    """The completion request: fuzzy (AUTO) prefix completion, one suggestion per name."""
    completion = {
        "field": "suggest",
        "size": limit,
        "skip_duplicates": True,
        "fuzzy": {"fuzziness": "AUTO"},
    }
    search = Search(index=index or None).suggest("names", " ".join(words), completion=completion)
    return search.source(["name"])[0:0]


def _result(body: dict[str, Any]) -> SearchResult:
    aggs = body.get("aggregations", {})
    hits = tuple(
        SearchHit(
            id=UUID(hit["_id"]),
            name=hit["_source"]["name"],
            brand=hit["_source"].get("brand") or "",
            price=Decimal(str(hit["_source"]["price"])),
            in_stock=bool(hit["_source"]["in_stock"]),
            rating=Decimal(str(hit["_source"]["rating"])),
            score=float(hit.get("_score") or 0.0),
        )
        for hit in body["hits"]["hits"]
    )
    price_buckets = aggs["price_ranges"]["by_price"]["buckets"]
    return SearchResult(
        count=body["hits"]["total"]["value"],
        hits=hits,
        facets=Facets(
            brands=tuple(
                BrandCount(id=UUID(b["key"]), value=_first_key(b), count=b["doc_count"])
                for b in aggs["brands"]["by_brand"]["buckets"]
            ),
            categories=tuple(
                CategoryCount(id=UUID(b["key"]), name=_first_key(b), count=b["doc_count"])
                for b in aggs["categories"]["category"]["by_category"]["buckets"]
            ),
            price_ranges=tuple(
                PriceRangeCount(low=low, high=high, count=bucket["doc_count"])
                for (low, high), bucket in zip(PRICE_BUCKETS, price_buckets, strict=True)
            ),
        ),
        backend="es",
    )


def _first_key(bucket: dict[str, Any]) -> str:
    names = bucket["name"]["buckets"]
    return names[0]["key"] if names else ""


# --- the backend -----------------------------------------------------------------------


@functools.cache
def _client(url: str, timeout: float) -> Elasticsearch:
    # No client-side retries: a search that cannot reach Elasticsearch falls back to
    # PostgreSQL at once, and indexing tasks retry with backoff themselves.
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


@contextlib.contextmanager
def _unavailable(what: str) -> Iterator[None]:
    """Outside failures (unreachable, timeouts, 5xx, a missing index) as
    SearchBackendUnavailable; a 4xx other than a missing index is our bug and propagates."""
    try:
        yield
    except TransportError as exc:
        raise SearchBackendUnavailable(f"{what}: {exc}") from exc
    except ApiError as exc:
        missing = exc.status_code == 404 and "index_not_found" in str(exc.error)
        if exc.status_code >= 500 or exc.status_code in (408, 429) or missing:
            raise SearchBackendUnavailable(f"{what}: {exc}") from exc
        raise


class ElasticsearchBackend:
    name = "es"

    def __init__(self, url: str, alias: str, timeout: float):
        self.url, self.alias, self.timeout = url, alias, timeout
        self.rebuilding = f"{alias}-rebuilding"

    @property
    def client(self) -> Elasticsearch:
        return _client(self.url, self.timeout)

    # --- writes ----------------------------------------------------------------------

    def _indices_behind(self, *aliases: str) -> list[str]:
        try:
            found = self.client.indices.get_alias(name=",".join(aliases))
        except ApiError as exc:
            if exc.status_code == 404:
                return []
            raise
        return sorted(found.body)

    def write(self, *, documents: Sequence[SearchDocumentData], removed: Sequence[UUID]) -> None:
        """Bring the live index (and the one a rebuild is filling, if any) up to date,
        visible to searches when this returns (refresh=wait_for)."""
        if not documents and not removed:
            return
        with _unavailable("elasticsearch write"):
            live = self._indices_behind(self.alias)
            building = [i for i in self._indices_behind(self.rebuilding) if i not in live]
            if not live and not building:
                logger.warning(
                    "elasticsearch index %s does not exist yet: run `manage.py search_reindex"
                    " --backend es`; %d documents not written",
                    self.alias,
                    len(documents) + len(removed),
                )
                return
            if live:
                actions = [a for i in live for a in bulk_actions(i, documents, removed)]
                self._bulk(actions, refresh="wait_for")
            if building:
                # Not refreshed: the index being built has refreshes off until it is swapped
                # in (wait_for would wait for a refresh that never comes).
                self._bulk([a for i in building for a in bulk_actions(i, documents, removed)])

    def _bulk(self, actions: list[dict[str, Any]], **options: Any) -> None:
        # Every chunk is sent whatever an earlier one answered; failed items are judged after.
        _, errors = bulk(self.client, actions, raise_on_error=False, **options)
        # Deleting a document that is not there is what we wanted anyway.
        failures = [
            item
            for item in errors
            if not ("delete" in item and item["delete"].get("status") == 404)
        ]
        if failures:
            raise SearchBackendUnavailable(f"bulk failures: {failures[:3]}")

    def rebuild_start(self) -> str:
        name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        with _unavailable("elasticsearch rebuild"):
            index_definition(name).create(using=self.client)
            # A rebuild that died (killed, not aborted) left its half-built index behind.
            stale = self._indices_behind(self.rebuilding)
            self.client.indices.update_aliases(
                actions=[{"add": {"index": name, "alias": self.rebuilding}}]
            )
            if stale:
                self.client.indices.delete(index=",".join(stale))
        return name

    def rebuild_write(
        self,
        state: str,
        *,
        documents: Sequence[SearchDocumentData],
        removed: Sequence[UUID],
        after: UUID | None,
        upto: UUID | None,
    ) -> None:
        # The new index holds only what the batches wrote: no range to clean up.
        with _unavailable("elasticsearch rebuild"):
            self._bulk(bulk_actions(state, documents, removed))

    def rebuild_finish(self, state: str) -> None:
        with _unavailable("elasticsearch rebuild"):
            self.client.indices.put_settings(
                index=state, settings={"index": {"refresh_interval": None}}
            )
            self.client.indices.refresh(index=state)
            old = [i for i in self._indices_behind(self.alias) if i != state]
            self.client.indices.update_aliases(
                actions=alias_swap_actions(self.alias, self.rebuilding, state, old)
            )
            if old:
                self.client.indices.delete(index=",".join(old))

    def rebuild_abort(self, state: str) -> None:
        with contextlib.suppress(Exception):  # best effort: the rebuild already failed
            self.client.indices.delete(index=state)

    def count(self) -> int:
        with _unavailable("elasticsearch count"):
            return int(self.client.count(index=self.alias)["count"])

    # --- reads -----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        with _unavailable("elasticsearch search"):
            response = search_request(query, index=self.alias).using(self.client).execute()
        return _result(response.to_dict())

    def suggest(self, *, words: Sequence[str], limit: int) -> tuple[Suggestion, ...]:
        with _unavailable("elasticsearch suggest"):
            response = suggest_request(words, limit, index=self.alias).using(self.client).execute()
        options = response.to_dict().get("suggest", {}).get("names", [{}])[0].get("options", [])
        return tuple(
            Suggestion(id=UUID(option["_id"]), text=option["_source"]["name"]) for option in options
        )


def configured() -> ElasticsearchBackend | None:
    """The Elasticsearch backend when `ELASTICSEARCH_URL` is set, else None."""
    if not settings.ELASTICSEARCH_URL:
        return None
    return ElasticsearchBackend(
        settings.ELASTICSEARCH_URL, settings.SEARCH_ES_INDEX, settings.SEARCH_ES_TIMEOUT
    )
