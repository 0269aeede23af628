"""The Elasticsearch backend's requests, compared as bodies (no Elasticsearch server can be
installed on these machines; tests/search/test_behaviour.py runs against a real one whenever
ELASTICSEARCH_URL is set), and the fall back to PostgreSQL when it cannot be reached."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from apps.search import services
from apps.search.backends.elastic import (
    alias_swap_actions,
    bulk_actions,
    document_body,
    index_definition,
    search_request,
    suggest_request,
)
from apps.search.exceptions import SearchBackendUnavailable
from apps.search.services.documents import SearchDocumentData
from apps.search.services.query import SearchFilters, search_query_build
from tests.search.conftest import names

BRAND, CATEGORY = uuid.UUID(int=1), uuid.UUID(int=2)
FIELDS = ["name^3", "brand^2", "description"]
RANGES = [
    {"from": 0.0, "to": 50.0},
    {"from": 50.0, "to": 100.0},
    {"from": 100.0, "to": 500.0},
    {"from": 500.0},
]


def word(text: str) -> dict:
    return {
        "multi_match": {
            "query": text,
            "type": "best_fields",
            "fields": FIELDS,
            "fuzziness": "AUTO",
        }
    }


def aggregations(brand_filter: dict, category_filter: dict, price_filter: dict) -> dict:
    return {
        "brands": {
            "filter": brand_filter,
            "aggs": {
                "by_brand": {
                    "terms": {"field": "brand_id", "size": 50},
                    "aggs": {"name": {"terms": {"field": "brand.keyword", "size": 1}}},
                }
            },
        },
        "categories": {
            "filter": category_filter,
            "aggs": {
                "category": {
                    "nested": {"path": "category"},
                    "aggs": {
                        "by_category": {
                            "terms": {"field": "category.id", "size": 50},
                            "aggs": {"name": {"terms": {"field": "category.name", "size": 1}}},
                        }
                    },
                }
            },
        },
        "price_ranges": {
            "filter": price_filter,
            "aggs": {"by_price": {"range": {"field": "price", "ranges": RANGES}}},
        },
    }


def test_the_index_has_the_original_designs_mapping():
    assert index_definition("shop-products-1").to_dict() == {
        "settings": {"refresh_interval": "-1"},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "id": {"type": "keyword"},
                "name": {
                    "type": "text",
                    "analyzer": "standard",
                    "fields": {"keyword": {"type": "keyword"}, "suggest": {"type": "completion"}},
                },
                "description": {"type": "text", "analyzer": "standard"},
                "brand": {
                    "type": "text",
                    "analyzer": "standard",
                    "fields": {"keyword": {"type": "keyword"}},
                },
                "brand_id": {"type": "keyword"},
                "category_ids": {"type": "keyword"},
                "category": {
                    "type": "nested",
                    "properties": {
                        "id": {"type": "keyword"},
                        "name": {"type": "keyword"},
                        "path": {"type": "keyword"},
                    },
                },
                "price": {"type": "float"},
                "price_max": {"type": "float"},
                "in_stock": {"type": "boolean"},
                "rating": {"type": "float"},
                "num_reviews": {"type": "integer"},
                "created_at": {"type": "date"},
                "suggest": {"type": "completion"},
            },
        },
    }


def test_a_search_with_every_filter_puts_facet_filters_in_post_filter_and_each_facet():
    query = search_query_build(
        query="Wool  socks!",
        filters=SearchFilters(
            category_id=CATEGORY,
            brand_id=BRAND,
            min_price=Decimal("10"),
            max_price=Decimal("99.5"),
            in_stock=True,
        ),
        page=3,
        page_size=10,
    )
    brand = {"term": {"brand_id": str(BRAND)}}
    category = {"term": {"category_ids": str(CATEGORY)}}
    price = {"range": {"price": {"gte": "10.00", "lte": "99.50"}}}
    assert search_request(query, index="shop-products").to_dict() == {
        "query": {
            "bool": {
                "must": [word("wool"), word("socks")],
                "filter": [{"term": {"in_stock": True}}],
            }
        },
        "post_filter": {"bool": {"filter": [brand, category, price]}},
        "aggs": aggregations(
            brand_filter={"bool": {"filter": [category, price]}},
            category_filter={"bool": {"filter": [brand, price]}},
            price_filter={"bool": {"filter": [brand, category]}},
        ),
        "sort": ["_score", {"rating": "desc"}, {"num_reviews": "desc"}, {"id": "asc"}],
        "_source": ["name", "brand", "price", "in_stock", "rating"],
        "track_total_hits": True,
        "from": 20,
        "size": 10,
    }


def test_a_plain_search_sorted_by_price_keeps_scores_and_counts_facets_over_all_hits():
    query = search_query_build(query="laptop", sort="price_desc")
    assert search_request(query).to_dict() == {
        "query": {"bool": {"must": [word("laptop")]}},
        "aggs": aggregations({"match_all": {}}, {"match_all": {}}, {"match_all": {}}),
        "sort": [{"price": "desc"}, {"id": "asc"}],
        "_source": ["name", "brand", "price", "in_stock", "rating"],
        "track_total_hits": True,
        "track_scores": True,
        "from": 0,
        "size": 20,
    }


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("price_asc", [{"price": "asc"}, {"id": "asc"}]),
        ("rating", [{"rating": "desc"}, {"num_reviews": "desc"}, {"id": "asc"}]),
        ("newest", [{"created_at": "desc"}, {"id": "asc"}]),
    ],
)
def test_sort_orders(sort, order):
    assert search_request(search_query_build(query="x y", sort=sort)).to_dict()["sort"] == order


def test_suggest_is_a_fuzzy_completion_without_hits():
    assert suggest_request(["lap"], 10).to_dict() == {
        "suggest": {
            "names": {
                "prefix": "lap",
                "completion": {
                    "field": "suggest",
                    "size": 10,
                    "skip_duplicates": True,
                    "fuzzy": {"fuzziness": "AUTO"},
                },
            }
        },
        "_source": ["name"],
        "from": 0,
        "size": 0,
    }


def document(**changes) -> SearchDocumentData:
    values = {
        "product_id": uuid.UUID(int=7),
        "name": "Northwind Slim Laptop Pro",
        "description": "Light.",
        "brand_id": BRAND,
        "brand_name": "Northwind",
        "category_id": CATEGORY,
        "category_path": "/electronics/laptops/",
        "category_ids": (uuid.UUID(int=3), CATEGORY),
        "category_names": ("Electronics", "Laptops"),
        "category_paths": ("/electronics/", "/electronics/laptops/"),
        "price_min": Decimal("999.5"),
        "price_max": Decimal("1299.00"),
        "in_stock": True,
        "rating": Decimal("4.5"),
        "num_reviews": 12,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    return SearchDocumentData(**{**values, **changes})


def test_a_document_carries_exact_money_the_category_path_and_word_tail_completions():
    assert document_body(document()) == {
        "id": str(uuid.UUID(int=7)),
        "name": "Northwind Slim Laptop Pro",
        "description": "Light.",
        "brand": "Northwind",
        "brand_id": str(BRAND),
        "category_ids": [str(uuid.UUID(int=3)), str(CATEGORY)],
        "category": [
            {"id": str(uuid.UUID(int=3)), "name": "Electronics", "path": "/electronics/"},
            {"id": str(CATEGORY), "name": "Laptops", "path": "/electronics/laptops/"},
        ],
        "price": "999.50",
        "price_max": "1299.00",
        "in_stock": True,
        "rating": "4.50",
        "num_reviews": 12,
        "created_at": "2026-01-02T03:04:05+00:00",
        "suggest": {
            "input": [
                "Northwind Slim Laptop Pro",
                "Slim Laptop Pro",
                "Laptop Pro",
                "Pro",
            ],
            "weight": 12,
        },
    }
    assert document_body(document(brand_id=None, brand_name=""))["brand"] is None


def test_bulk_actions_delete_the_gone_and_index_the_rest():
    gone = uuid.UUID(int=9)
    actions = bulk_actions("shop-products-1", [document()], [gone])
    assert actions == [
        {"_op_type": "delete", "_index": "shop-products-1", "_id": str(gone)},
        {
            "_op_type": "index",
            "_index": "shop-products-1",
            "_id": str(uuid.UUID(int=7)),
            "_source": document_body(document()),
        },
    ]


def test_the_alias_moves_to_the_new_index_in_one_atomic_request():
    assert alias_swap_actions("shop", "shop-rebuilding", "shop-2", ["shop-1", "shop-0"]) == [
        {"remove": {"index": "shop-1", "alias": "shop"}},
        {"remove": {"index": "shop-0", "alias": "shop"}},
        {"add": {"index": "shop-2", "alias": "shop"}},
        {"remove": {"index": "shop-2", "alias": "shop-rebuilding"}},
    ]


# --- Elasticsearch configured but unreachable ------------------------------------------


def fallbacks(operation: str, reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "shop_search_fallbacks_total", {"operation": operation, "reason": reason}
    )
    return value or 0.0


@pytest.fixture
def unreachable_elasticsearch(settings):
    services.elasticsearch_retry_now()
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.SEARCH_ES_INDEX = "unreachable-products"
    yield
    services.elasticsearch_retry_now()


@pytest.mark.django_db
def test_search_answers_from_postgresql_when_elasticsearch_is_unreachable(
    settings, shop, unreachable_elasticsearch, caplog, api_client
):
    before = fallbacks("search", "unavailable")
    with caplog.at_level(logging.WARNING, logger="apps.search"):
        result = services.search(query="laptop")
    assert result.backend == "pg"
    assert set(names(result)) == {"Bluepeak Gaming Laptop", "Northwind Budget Laptop"}
    assert fallbacks("search", "unavailable") == before + 1
    assert any("answering from postgresql" in r.getMessage() for r in caplog.records)

    # Within SEARCH_ES_RETRY_SECONDS Elasticsearch is not even tried.
    skipped = fallbacks("suggest", "recently_failed")
    assert {s.text for s in services.suggest(prefix="lap")} == {
        "Bluepeak Gaming Laptop",
        "Northwind Budget Laptop",
    }
    assert fallbacks("suggest", "recently_failed") == skipped + 1
    response = api_client.get("/api/v1/search", {"q": "laptop"})
    assert response.status_code == 200 and response.json()["count"] == 2
    metrics = api_client.get("/metrics").content.decode()
    assert 'shop_search_fallbacks_total{operation="search",reason="unavailable"}' in metrics


@pytest.mark.django_db
def test_indexing_writes_postgresql_then_reports_elasticsearch_unreachable(
    settings, shop, unreachable_elasticsearch
):
    from apps.search.models import SearchDocument

    budget = shop["products"]["budget"]
    SearchDocument.objects.filter(product_id=budget.id).update(name="stale")
    with pytest.raises(SearchBackendUnavailable):
        services.index(product_ids=[budget.id])
    assert SearchDocument.objects.get(product_id=budget.id).name == "Northwind Budget Laptop"
