"""PostgreSQL full-text search over the search app's own denormalised documents.

- Relevance: `ts_rank_cd` over a weighted tsvector (name A > brand B > description C; the
  `english` configuration, so "laptops" finds "laptop"), ties broken by rating, number of
  reviews and id. Every query word must match (AND), in any field.
- Typo tolerance: a query word the documents do not contain (its lexeme is not in the
  vocabulary, `search_term`) is widened to the vocabulary terms within Elasticsearch's
  `fuzziness: AUTO` edit distance (one edit for 3-5 letters, two from 6), candidates found
  through the trigram index (KNN) and the (first letter, length) index, checked with
  `levenshtein_less_equal`.
- Facets: the matching documents are read once (one GIN bitmap scan) into a CTE; each facet
  aggregates it with every active filter except its own.
- One SQL statement per search and one per suggest: the count, the page, the three facets and
  the typo expansion come back together.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction

from apps.search.models import DOCUMENT_CONFIG, SearchDocument, SearchTerm
from apps.search.services.documents import SearchDocumentData
from apps.search.services.query import (
    FACET_SIZE,
    PRICE_BUCKETS,
    SearchQuery,
)
from apps.search.services.results import (
    BrandCount,
    CategoryCount,
    Facets,
    PriceRangeCount,
    SearchHit,
    SearchResult,
    Suggestion,
)

DOCUMENTS = SearchDocument._meta.db_table
TERMS = SearchTerm._meta.db_table
# Trigram neighbours of an unknown word looked at (then checked for edit distance).
KNN_CANDIDATES = 8
# Alternatives a misspelt word is widened to at most (closest first).
MAX_ALTERNATIVES = 8
# Suggest reads this many matching names (exact completions first) and keeps the first
# SUGGEST_LIMIT distinct ones.
SUGGEST_CANDIDATES = 50

ORDER_BY = {
    "relevance": "score DESC, rating DESC, num_reviews DESC, product_id",
    "price_asc": "price_min ASC, product_id",
    "price_desc": "price_min DESC, product_id",
    "rating": "rating DESC, num_reviews DESC, product_id",
    "newest": "created_at DESC, product_id",
}

# A term as a quoted tsquery lexeme: quotes and backslashes doubled, nothing else parsed.
_QUOTED = r"'''' || replace(replace({}, '\', '\\'), '''', '''''') || ''''"


def _edits_sql(length_sql: str) -> str:
    # query.edits_allowed in SQL (kept in step with it by tests/search/test_postgres.py).
    return f"CASE WHEN {length_sql} <= 2 THEN 0 WHEN {length_sql} <= 5 THEN 1 ELSE 2 END"


# The query words -> a tsquery: each word's lexeme, OR'ed with its close vocabulary terms
# when the documents do not contain it; words AND'ed. NULL when every word is a stop word.
_QUERY_CTE = f"""
words AS (
    SELECT row_number() OVER (ORDER BY w.ord, lex.lexeme) AS ord, lex.lexeme,
           {_edits_sql("length(lex.lexeme)")} AS edits
      FROM unnest(%(words)s::text[]) WITH ORDINALITY AS w(word, ord)
     CROSS JOIN LATERAL unnest(to_tsvector('{DOCUMENT_CONFIG}', w.word)) AS lex
),
alternatives AS (
    SELECT w.ord, w.lexeme AS term FROM words w
    UNION
    SELECT w.ord, near.term
      FROM words w
     CROSS JOIN LATERAL (
            SELECT c.term FROM (
                SELECT t.term FROM {TERMS} t
                 WHERE left(t.term, 1) = left(w.lexeme, 1)
                   AND length(t.term) BETWEEN length(w.lexeme) - w.edits
                                          AND length(w.lexeme) + w.edits
                UNION
                SELECT k.term FROM (
                    SELECT t.term FROM {TERMS} t
                     ORDER BY t.term <-> w.lexeme LIMIT {KNN_CANDIDATES}
                ) k
            ) c
             WHERE levenshtein_less_equal(c.term, w.lexeme, w.edits) <= w.edits
             ORDER BY levenshtein_less_equal(c.term, w.lexeme, w.edits), c.term
             LIMIT {MAX_ALTERNATIVES}
           ) near
     WHERE w.edits > 0
       AND NOT EXISTS (SELECT 1 FROM {TERMS} known WHERE known.term = w.lexeme)
),
query AS (
    SELECT string_agg(part, ' & ' ORDER BY ord)::tsquery AS q
      FROM (SELECT ord, '(' || string_agg({_QUOTED.format("term")}, ' | ') || ')' AS part
              FROM alternatives GROUP BY ord) parts
)"""  # noqa: S608


class _Filters:
    """The active filters as SQL conditions over a matched row `m`, with their parameters."""

    def __init__(self, query: SearchQuery):
        f = query.filters
        self.params: dict[str, Any] = {}
        self.brand = "TRUE"
        self.category = "TRUE"
        self.price = "TRUE"
        if f.brand_id is not None:
            self.brand = "m.brand_id = %(brand)s"
            self.params["brand"] = f.brand_id
        if f.category_id is not None:
            self.category = "m.category_ids @> ARRAY[%(category)s::uuid]"
            self.params["category"] = f.category_id
        bounds = []
        if f.min_price is not None:
            bounds.append("m.price_min >= %(min_price)s")
            self.params["min_price"] = f.min_price
        if f.max_price is not None:
            bounds.append("m.price_min <= %(max_price)s")
            self.params["max_price"] = f.max_price
        if bounds:
            self.price = " AND ".join(bounds)
        self.in_stock = ""
        if f.in_stock is not None:
            self.in_stock = "AND d.in_stock = %(in_stock)s"
            self.params["in_stock"] = f.in_stock


def _price_buckets_sql(params: dict[str, Any]) -> str:
    counts = []
    for index, (low, high) in enumerate(PRICE_BUCKETS):
        params[f"bucket_{index}_low"] = low
        condition = f"m.price_min >= %(bucket_{index}_low)s"
        if high is not None:
            params[f"bucket_{index}_high"] = high
            condition += f" AND m.price_min < %(bucket_{index}_high)s"
        counts.append(f"count(*) FILTER (WHERE {condition})")
    return f"json_build_array({', '.join(counts)})"


def search_sql(query: SearchQuery) -> tuple[str, dict[str, Any]]:
    """The one statement that answers a search: (count, page, brands, categories, prices)."""
    filters = _Filters(query)
    params: dict[str, Any] = {
        "words": list(query.words),
        "limit": query.page_size,
        "offset": query.offset,
        "facet_size": FACET_SIZE,
        **filters.params,
    }
    score = "ts_rank_cd(d.document, (SELECT q FROM query))" if query.sort == "relevance" else "0"
    order = ORDER_BY[query.sort]
    sql = f"""
WITH {_QUERY_CTE},
matched AS MATERIALIZED (
    SELECT d.product_id, d.brand_id, d.category_id, d.category_ids, d.price_min, d.rating,
           d.num_reviews, d.created_at, {score} AS score
      FROM {DOCUMENTS} d
     WHERE d.document @@ (SELECT q FROM query) {filters.in_stock}
),
hits AS NOT MATERIALIZED (
    SELECT * FROM matched m WHERE {filters.brand} AND {filters.category} AND {filters.price}
),
page AS (
    SELECT * FROM hits ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s
),
-- Products per category, ancestors included: counted per leaf category first (a few dozen
-- groups), then spread over each leaf's ancestors, instead of unnesting every hit's path.
leaves AS (
    SELECT m.category_id, count(*) AS n, min(m.product_id::text)::uuid AS one
      FROM matched m
     WHERE {filters.brand} AND {filters.price} GROUP BY m.category_id
)
SELECT
    (SELECT count(*) FROM hits),
    (SELECT coalesce(json_agg(json_build_array(
                d.product_id, d.name, d.brand_name, d.price_min::text, d.in_stock,
                d.rating::text, ts_rank_cd(d.document, (SELECT q FROM query))
            ) ORDER BY {order}), '[]'::json)
       FROM (SELECT p.*, d.name, d.brand_name, d.in_stock, d.document
               FROM page p JOIN {DOCUMENTS} d ON d.product_id = p.product_id) d),
    (SELECT coalesce(json_agg(json_build_array(b.brand_id, b.name, b.n)), '[]'::json)
       FROM (SELECT b.brand_id, max(d.brand_name) AS name, b.n
               FROM (SELECT m.brand_id, count(*) AS n, min(m.product_id::text)::uuid AS one
                       FROM matched m
                      WHERE m.brand_id IS NOT NULL AND {filters.category} AND {filters.price}
                      GROUP BY m.brand_id) b
               JOIN {DOCUMENTS} d ON d.product_id = b.one
              GROUP BY b.brand_id, b.n ORDER BY b.n DESC, name LIMIT %(facet_size)s) b),
    (SELECT coalesce(json_agg(json_build_array(c.id, c.name, c.n)), '[]'::json)
       FROM (SELECT c.id, max(c.name) AS name, sum(l.n)::bigint AS n
               FROM leaves l
               JOIN {DOCUMENTS} d ON d.product_id = l.one
              CROSS JOIN LATERAL unnest(d.category_ids, d.category_names) AS c(id, name)
              GROUP BY c.id ORDER BY n DESC, name LIMIT %(facet_size)s) c),
    (SELECT {_price_buckets_sql(params)}
       FROM matched m WHERE {filters.brand} AND {filters.category})
"""  # noqa: S608 (table names and fragments are ours; values are parameters)
    return sql, params


# The suggest prefix: the plain words of names (no stemming: "runn" completes "running"), the
# last word as a prefix, the earlier ones complete words. Completions as typed come first,
# most reviewed first, then by id: the `search_document_popular_idx` order, so a broad prefix
# reads a few index entries instead of sorting thousands of names (the id, unlike the name,
# does not cluster a prefix's matches at one end of that order). Only when they are fewer
# than SUGGEST_CANDIDATES is a typo in the last word tried: the vocabulary words whose
# beginning is within AUTO edits of it (first letter kept, as Elasticsearch's completion
# `fuzzy` with its default prefix_length 1).
SUGGEST_SQL = f"""
WITH last AS (
    SELECT %(last)s::text AS word, length(%(last)s::text) AS n,
           {_edits_sql("length(%(last)s::text)")} AS edits
),
near AS (
    SELECT t.term
      FROM last l
      JOIN {TERMS} t
        ON left(t.term, 1) = left(l.word, 1) AND length(t.term) >= l.n - l.edits
     WHERE l.edits > 0
       AND left(t.term, l.n) <> l.word
       AND EXISTS (
            SELECT 1 FROM generate_series(greatest(l.n - l.edits, 1), l.n + l.edits) k
             WHERE levenshtein_less_equal(left(t.term, k), l.word, l.edits) <= l.edits)
     LIMIT {MAX_ALTERNATIVES * 4}
),
typo_query AS (
    SELECT CASE WHEN count(*) = 0 THEN NULL ELSE
           (%(head)s || '(' || string_agg({_QUOTED.format("term")}, ' | ') || ')')::tsquery
           END AS q
      FROM near
),
exact AS (
    SELECT d.product_id, d.name, d.num_reviews, d.rating
      FROM {DOCUMENTS} d
     WHERE d.name_words @@ %(exact)s::tsquery
     ORDER BY d.num_reviews DESC, d.rating DESC, d.product_id
     LIMIT {SUGGEST_CANDIDATES}
),
typo AS (
    SELECT d.product_id, d.name, d.num_reviews, d.rating
      FROM {DOCUMENTS} d
     WHERE (SELECT count(*) FROM exact) < {SUGGEST_CANDIDATES}
       AND d.name_words @@ (SELECT q FROM typo_query)
       AND NOT d.name_words @@ %(exact)s::tsquery
     ORDER BY d.num_reviews DESC, d.rating DESC, d.product_id
     LIMIT {SUGGEST_CANDIDATES}
)
SELECT product_id, name
  FROM (SELECT 0 AS typo, * FROM exact UNION ALL SELECT 1 AS typo, * FROM typo) found
 ORDER BY typo, num_reviews DESC, rating DESC, product_id
 LIMIT {SUGGEST_CANDIDATES}
"""  # noqa: S608


def _lexeme(word: str) -> str:
    # Words are letters and digits only (query.words_of): nothing in them needs quoting.
    return f"'{word}'"


class PostgresBackend:
    """Reads and writes the `search_document` table; always configured."""

    name = "pg"

    # --- writes ----------------------------------------------------------------------

    def write(
        self,
        *,
        documents: Sequence[SearchDocumentData],
        removed: Sequence[UUID],
        vocabulary: bool = True,
    ) -> None:
        """Upsert `documents`, delete the documents of `removed`, and (with `vocabulary`) add
        the new documents' words to the vocabulary. Joins the caller's transaction."""
        with connection.cursor() as cursor:
            if removed:
                cursor.execute(
                    f"DELETE FROM {DOCUMENTS} WHERE product_id = ANY(%s::uuid[])",  # noqa: S608
                    [list(removed)],
                )
            if documents:
                self._upsert(cursor, documents)
            if documents and vocabulary:
                cursor.execute(
                    f"""
                    INSERT INTO {TERMS} (term)
                    SELECT lexeme FROM {DOCUMENTS} d, unnest(d.document)
                     WHERE d.product_id = ANY(%(ids)s::uuid[])
                    UNION
                    SELECT lexeme FROM {DOCUMENTS} d, unnest(d.name_words)
                     WHERE d.product_id = ANY(%(ids)s::uuid[])
                    ON CONFLICT (term) DO NOTHING
                    """,  # noqa: S608
                    {"ids": [d.product_id for d in documents]},
                )

    def _upsert(self, cursor, documents: Sequence[SearchDocumentData]) -> None:
        rows = [
            {
                "product_id": str(d.product_id),
                "name": d.name,
                "description": d.description,
                "brand_id": str(d.brand_id) if d.brand_id else None,
                "brand_name": d.brand_name,
                "category_id": str(d.category_id),
                "category_path": d.category_path,
                "category_ids": [str(c) for c in d.category_ids],
                "category_names": list(d.category_names),
                "price_min": str(d.price_min),
                "price_max": str(d.price_max),
                "in_stock": d.in_stock,
                "rating": str(d.rating),
                "num_reviews": d.num_reviews,
                "created_at": d.created_at.isoformat(),
            }
            for d in documents
        ]
        columns = list(rows[0])
        typed = (
            "product_id uuid, name text, description text, brand_id uuid, brand_name text, "
            "category_id uuid, category_path text, category_ids uuid[], "
            "category_names character varying[], "
            "price_min numeric, price_max numeric, in_stock boolean, rating numeric, "
            "num_reviews integer, created_at timestamptz"
        )
        names = ", ".join(columns)
        changed = columns[1:]
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*changed, "indexed_at"])
        old = ", ".join(f"{DOCUMENTS}.{c}" for c in changed)
        new = ", ".join(f"EXCLUDED.{c}" for c in changed)
        current = ", ".join(f"d.{c}" for c in changed)
        proposed = ", ".join(f"r.{c}" for c in changed)
        # An unchanged document is not written at all (its tsvectors are not even computed):
        # a rebuild of a current index, or a repeated event, costs reads only. The ON
        # CONFLICT clause covers a concurrent first insert.
        cursor.execute(
            f"""
            INSERT INTO {DOCUMENTS} ({names}, indexed_at)
            SELECT {", ".join(f"r.{c}" for c in columns)}, now()
              FROM jsonb_to_recordset(%s::jsonb) AS r({typed})
              LEFT JOIN {DOCUMENTS} d ON d.product_id = r.product_id
             WHERE d.product_id IS NULL OR ({current}) IS DISTINCT FROM ({proposed})
            ON CONFLICT (product_id) DO UPDATE SET {updates}
            WHERE ({old}) IS DISTINCT FROM ({new})
            """,  # noqa: S608
            [json.dumps(rows)],
        )

    def rebuild_start(self) -> Any:
        return None

    def rebuild_write(
        self,
        state: Any,
        *,
        documents: Sequence[SearchDocumentData],
        removed: Sequence[UUID],
        after: UUID | None,
        upto: UUID | None,
    ) -> None:
        """Write one batch of the active products with ids in (after, upto] (None: no bound),
        and drop the other documents in that range: their products are no longer active."""
        # The vocabulary is rebuilt once at the end.
        self.write(documents=documents, removed=removed, vocabulary=False)
        bounds, params = [], {"kept": [d.product_id for d in documents]}
        if after is not None:
            bounds.append("product_id > %(after)s")
            params["after"] = after
        if upto is not None:
            bounds.append("product_id <= %(upto)s")
            params["upto"] = upto
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {DOCUMENTS} WHERE product_id <> ALL(%(kept)s::uuid[]) "  # noqa: S608
                + "".join(f"AND {bound} " for bound in bounds),
                params,
            )

    def rebuild_finish(self, state: Any) -> None:
        """Rebuild the vocabulary from what is indexed now; then, outside a transaction,
        VACUUM ANALYZE (a rebuild may rewrite every row; fresh statistics and a clean GIN
        pending list keep searches on their plans)."""
        # VACUUM cannot run inside a transaction (a caller's, or a test's): ANALYZE only then.
        vacuum = not connection.in_atomic_block
        # One transaction: concurrent searches see the old vocabulary or the new one.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TERMS}")  # noqa: S608
            cursor.execute(
                f"""
                INSERT INTO {TERMS} (term)
                SELECT word FROM ts_stat('SELECT document FROM {DOCUMENTS}')
                UNION
                SELECT word FROM ts_stat('SELECT name_words FROM {DOCUMENTS}')
                """  # noqa: S608
            )
            if not vacuum:
                cursor.execute(f"ANALYZE {DOCUMENTS}, {TERMS}")
        if vacuum:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {DOCUMENTS}, {TERMS}")

    def rebuild_abort(self, state: Any) -> None:
        """Nothing to undo: every batch wrote current documents."""

    def count(self) -> int:
        return SearchDocument.objects.count()

    # --- reads -----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        sql, params = search_sql(query)
        with _reader().cursor() as cursor:
            cursor.execute(sql, params)
            count, page, brands, categories, prices = cursor.fetchone()
        return SearchResult(
            count=count,
            hits=tuple(
                SearchHit(
                    id=UUID(product_id),
                    name=name,
                    brand=brand,
                    price=Decimal(price),
                    in_stock=in_stock,
                    rating=Decimal(rating),
                    score=float(score),
                )
                for product_id, name, brand, price, in_stock, rating, score in _json(page)
            ),
            facets=Facets(
                brands=tuple(BrandCount(id=UUID(i), value=v, count=n) for i, v, n in _json(brands)),
                categories=tuple(
                    CategoryCount(id=UUID(i), name=v, count=n) for i, v, n in _json(categories)
                ),
                price_ranges=tuple(
                    PriceRangeCount(low=low, high=high, count=n)
                    for (low, high), n in zip(PRICE_BUCKETS, _json(prices), strict=True)
                ),
            ),
            backend=self.name,
        )

    def suggest(self, *, words: Sequence[str], limit: int) -> tuple[Suggestion, ...]:
        *head, last = words
        head_sql = "".join(f"{_lexeme(w)}:* & " for w in head)
        params = {"last": last, "exact": f"{head_sql}{_lexeme(last)}:*", "head": head_sql}
        with _reader().cursor() as cursor:
            cursor.execute(SUGGEST_SQL, params)
            rows = cursor.fetchall()
        suggestions: list[Suggestion] = []
        seen: set[str] = set()
        for product_id, name in rows:
            if name.lower() not in seen:  # one suggestion per distinct name
                seen.add(name.lower())
                suggestions.append(Suggestion(id=product_id, text=name))
        return tuple(suggestions[:limit])


def _reader():
    """The connection searches read from: a replica when the router sends reads there
    (shop.db_routing; a result a moment old is fine), else the primary."""
    return connections[router.db_for_read(SearchDocument) or DEFAULT_DB_ALIAS]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
