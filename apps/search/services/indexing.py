"""Keeping the search documents in step with the catalog and inventory.

Every write reads the current state of the products (never an event's payload) and happens
under per-product advisory locks taken in a fixed order: two tasks for one product, or a task
and a rebuild batch, write one after the other, and the later one read the later state. So
repeated, late or reordered events (`product.*`, `stock.changed`) leave the newest state
indexed, and indexing is idempotent. PostgreSQL is written in every deployment (it is what
search falls back to); Elasticsearch too when configured, and a failure there does not undo
the PostgreSQL write: it is raised after every chunk was done, for the task to retry.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from uuid import UUID

from django.db import connection, transaction

from apps.catalog.services import product_ids_active
from apps.search import backends
from apps.search.exceptions import SearchBackendUnavailable, SearchRebuildRunning
from apps.search.models import SearchDocument
from apps.search.services.cache import search_answers_invalidate
from apps.search.services.documents import documents_load
from apps.search.services.results import IndexSummary, RebuildSummary
from shop.errors import parse_uuid

# Products per transaction for incremental indexing (a category move may bring thousands).
CHUNK = 500
DEFAULT_BATCH = 1000
# Advisory locks: (namespace, bucket of the product id). Buckets bound the locks one
# transaction holds (PostgreSQL's lock table is shared by the whole server); products in one
# bucket merely take turns.
LOCK_NAMESPACE = 0x5EA4C4
LOCK_BUCKETS = 256


def _lock(product_ids: Sequence[UUID] | None) -> None:
    """Lock the buckets of these products (None: every bucket, i.e. all products)."""
    if product_ids is None:
        buckets = list(range(LOCK_BUCKETS))
    else:
        buckets = sorted({product_id.int % LOCK_BUCKETS for product_id in product_ids})
    with connection.cursor() as cursor:
        # In ascending order (unnest keeps the array's order): no two writers can deadlock.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, bucket)) FROM unnest(%s::int[]) AS bucket",
            [LOCK_NAMESPACE, buckets],
        )


def _ids(product_ids: Iterable[UUID | str]) -> list[UUID]:
    return sorted({parse_uuid(product_id, "product_ids") for product_id in product_ids})


def index(*, product_ids: Iterable[UUID | str]) -> IndexSummary:
    """Bring the documents of these products up to date in every configured backend: active
    products are (re)indexed, the documents of archived, draft or unknown ones removed.

    Each chunk of CHUNK products is one transaction; cached search answers are retired when
    it commits. Raises `SearchBackendUnavailable` after the whole run when Elasticsearch
    failed (PostgreSQL was still written).
    """
    ids = _ids(product_ids)
    indexed = removed = 0
    failure: SearchBackendUnavailable | None = None
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            _lock(chunk)
            documents, gone = documents_load(chunk)
            for backend in backends.writers():
                try:
                    backend.write(documents=documents, removed=gone)
                except SearchBackendUnavailable as exc:
                    failure = exc
            transaction.on_commit(search_answers_invalidate, robust=True)
        indexed += len(documents)
        removed += len(gone)
    if failure is not None:
        raise failure
    return IndexSummary(indexed=indexed, removed=removed)


def delete(*, product_ids: Iterable[UUID | str]) -> int:
    """Remove the documents of these products from every configured backend, whatever the
    catalog says (operators; events go through `index`, which removes what is not active).
    Returns how many ids were processed. Raises `SearchBackendUnavailable` as `index` does."""
    ids = _ids(product_ids)
    failure: SearchBackendUnavailable | None = None
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            _lock(chunk)
            for backend in backends.writers():
                try:
                    backend.write(documents=[], removed=chunk)
                except SearchBackendUnavailable as exc:
                    failure = exc
            transaction.on_commit(search_answers_invalidate, robust=True)
    if failure is not None:
        raise failure
    return len(ids)


def rebuild(
    *,
    backend: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> RebuildSummary:
    """Rebuild the index of every configured backend (or only `backend`, "pg" or "es") from
    the catalog, in batches of `batch_size` active products; `progress(n)` after each batch.

    PostgreSQL is rebuilt in place (searches keep answering; each batch, one transaction
    holding every product's lock, covers an id range and drops the documents in it whose
    products are no longer active; unchanged documents are not rewritten; the vocabulary is
    rebuilt at the end); Elasticsearch into a new index behind the alias, swapped in at the
    end. Changes committed meanwhile are indexed too (the locks order them with the
    batches). One rebuild at a time. Raises ValueError for an unknown or unconfigured
    backend, `SearchRebuildRunning` (409) when another rebuild runs, and
    `SearchBackendUnavailable` when Elasticsearch fails (its new index is dropped; the live
    one is untouched).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be 1 or more")
    targets = [backends.named(backend)] if backend else backends.writers()
    with _rebuild_lock():
        return _rebuild(targets, batch_size=batch_size, progress=progress)


@contextlib.contextmanager
def _rebuild_lock() -> Iterator[None]:
    # A session lock (the rebuild spans many transactions), outside the products' buckets.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, LOCK_BUCKETS])
        if not cursor.fetchone()[0]:
            raise SearchRebuildRunning()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, LOCK_BUCKETS])


def _rebuild(targets: list, *, batch_size: int, progress: Callable[[int], None] | None):
    started = time.monotonic()
    states: list = []
    documents = 0
    try:
        for target in targets:
            states.append(target.rebuild_start())
        after: UUID | None = None
        while True:
            with transaction.atomic():
                # Every product's lock, THEN the batch's ids: a product activated after this
                # read is indexed by its own event's task, which waits for this batch.
                _lock(None)
                ids = product_ids_active(after=after, limit=batch_size)
                loaded, gone = documents_load(ids)
                upto = ids[-1] if len(ids) == batch_size else None  # None: to the end
                for target, state in zip(targets, states, strict=True):
                    target.rebuild_write(
                        state, documents=loaded, removed=gone, after=after, upto=upto
                    )
            documents += len(loaded)
            if progress and ids:
                progress(len(ids))
            if upto is None:
                break
            after = upto
        for target, state in zip(targets, states, strict=True):
            target.rebuild_finish(state)
    except BaseException:
        for target, state in zip(targets, states, strict=False):
            target.rebuild_abort(state)
        raise
    finally:
        transaction.on_commit(search_answers_invalidate, robust=True)
    return RebuildSummary(
        backends=tuple(t.name for t in targets),
        documents=documents,
        seconds=round(time.monotonic() - started, 2),
    )


def documents_count(*, backend: str = "pg") -> int:
    """How many documents a backend holds (operators, benchmarks)."""
    return backends.named(backend).count()


def in_stock_indexed(*, product_id: UUID | str) -> bool | None:
    """The `in_stock` the product's document shows (one query; PostgreSQL's document, which
    every deployment writes with the others), or None when it has no document."""
    return (
        SearchDocument.objects.filter(product_id=parse_uuid(product_id, "product_id"))
        .values_list("in_stock", flat=True)
        .first()
    )
