"""The search backends and which of them are configured (settings decide, per call).

PostgreSQL is always written, Elasticsearch too when `ELASTICSEARCH_URL` is set; searches
read Elasticsearch when it is set (falling back to PostgreSQL), else PostgreSQL. Only the
search services use this package.
"""

from __future__ import annotations

from apps.search.backends import elastic
from apps.search.backends.elastic import ElasticsearchBackend
from apps.search.backends.postgres import PostgresBackend

NAMES = ("pg", "es")
_POSTGRES = PostgresBackend()


def postgres() -> PostgresBackend:
    return _POSTGRES


def elasticsearch() -> ElasticsearchBackend | None:
    """The Elasticsearch backend, or None when `ELASTICSEARCH_URL` is not set."""
    return elastic.configured()


def writers() -> list[PostgresBackend | ElasticsearchBackend]:
    """Every backend that indexing keeps up to date."""
    es = elasticsearch()
    return [_POSTGRES, es] if es else [_POSTGRES]


def named(name: str) -> PostgresBackend | ElasticsearchBackend:
    """`pg` or `es`; ValueError for another name or `es` without `ELASTICSEARCH_URL`."""
    if name == "pg":
        return _POSTGRES
    if name == "es":
        es = elasticsearch()
        if es is None:
            raise ValueError("the es backend needs ELASTICSEARCH_URL")
        return es
    raise ValueError(f"unknown search backend {name!r} (one of {', '.join(NAMES)})")
