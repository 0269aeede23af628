"""Indexing tasks; they run on the `indexing` queue (routed in shop/celery.py), so a burst of
catalog changes cannot starve email or reservation expiry."""

from __future__ import annotations

from celery import shared_task

from apps.search.exceptions import SearchBackendUnavailable


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(SearchBackendUnavailable,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def search_index_task(self, product_ids: list[str]) -> int:
    """(Re)index these products from their current state; idempotent, so a duplicate or late
    delivery is harmless. Retried with backoff while Elasticsearch is unreachable (the
    PostgreSQL documents are written on every attempt); after the last retry
    `search_reindex --backend es` catches Elasticsearch up."""
    from apps.search.services import index

    return index(product_ids=product_ids).indexed
