"""GET search and search/suggest (API.md, Search): shapes, validation in the error body,
one SQL query per search, and cached answers retired by index changes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from apps.catalog.services import product_update
from apps.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def link(url: str | None) -> tuple[str, dict] | None:
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


def error(response, status: int, code: str = "invalid") -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code and isinstance(body["details"], dict)
    return body["details"]


def test_search_answers_the_documented_shape(api_client, shop):
    response = api_client.get("/api/v1/search", {"q": "laptop", "page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "results", "next", "previous", "facets"]
    assert body["count"] == 2
    assert body["previous"] is None
    assert link(body["next"]) == (
        "http://testserver/api/v1/search",
        {"q": ["laptop"], "page_size": ["1"], "page": ["2"]},
    )
    hit = body["results"][0]
    assert set(hit) == {"id", "name", "brand", "price", "in_stock", "rating", "score"}
    assert hit["brand"] in {"Northwind", "Bluepeak"}
    assert hit["price"] in {"449.00", "1499.00"} and hit["rating"] == "0.00"
    assert isinstance(hit["score"], float) and hit["in_stock"] is False
    facets = body["facets"]
    assert {b["value"]: b["count"] for b in facets["brands"]} == {"Northwind": 1, "Bluepeak": 1}
    assert all(set(b) == {"id", "value", "count"} for b in facets["brands"])
    assert {c["name"]: c["count"] for c in facets["categories"]} == {
        "Electronics": 2,
        "Computers": 2,
        "Laptops": 2,
    }
    assert facets["price_ranges"] == [
        {"from": "0.00", "to": "50.00", "count": 0},
        {"from": "50.00", "to": "100.00", "count": 0},
        {"from": "100.00", "to": "500.00", "count": 1},
        {"from": "500.00", "to": None, "count": 1},
    ]
    second = api_client.get(body["next"]).json()
    assert second["next"] is None
    assert link(second["previous"]) == (
        "http://testserver/api/v1/search",
        {"q": ["laptop"], "page_size": ["1"]},
    )
    assert second["results"][0]["id"] != hit["id"]


def test_filters_by_brand_and_category_ids(api_client, shop):
    northwind, audio = shop["brands"]["northwind"], shop["categories"]["audio"]
    body = api_client.get(
        "/api/v1/search/", {"q": "made", "brand": str(northwind.id), "category": str(audio.id)}
    ).json()
    assert [r["name"] for r in body["results"]] == ["Northwind Studio Headphones"]
    body = api_client.get("/api/v1/search", {"q": "made", "in_stock": "true"}).json()
    assert body["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "laptop", "sort": "cheapest"}, "sort"),
        ({"q": "laptop", "min_price": "-1"}, "min_price"),
        ({"q": "laptop", "max_price": "-0.01"}, "max_price"),
        ({"q": "laptop", "min_price": "100", "max_price": "50"}, "max_price"),
        ({"q": "laptop", "min_price": "abc"}, "min_price"),
        ({"q": "laptop", "brand": "not-a-uuid"}, "brand"),
        ({"q": "laptop", "category": "42"}, "category"),
        ({"q": "laptop", "in_stock": "maybe"}, "in_stock"),
        ({"q": "laptop", "page": "0"}, "page"),
        ({"q": "laptop", "page": "two"}, "page"),
        ({"q": "laptop", "page_size": "0"}, "page_size"),
        ({"q": "laptop", "page_size": "101"}, "page_size"),
        ({"q": "laptop", "page": "101", "page_size": "100"}, "page"),  # past 10,000 hits
    ],
)
def test_bad_parameters_answer_400_naming_them(api_client, search_backend, params, field):
    details = error(api_client.get("/api/v1/search", params), 400)
    assert field in details, details


def test_a_page_past_the_end_is_404_but_page_one_of_nothing_is_200(api_client, shop):
    error(api_client.get("/api/v1/search", {"q": "laptop", "page": 2}), 404, "not_found")
    body = api_client.get("/api/v1/search", {"q": "nothingmatchesthis"}).json()
    assert body["count"] == 0 and body["results"] == [] and body["next"] is None


def test_suggest_answers_ids_and_names(api_client, shop):
    body = api_client.get("/api/v1/search/suggest", {"q": "Lap"}).json()
    assert {s["text"] for s in body["suggestions"]} == {
        "Bluepeak Gaming Laptop",
        "Northwind Budget Laptop",
    }
    assert {s["id"] for s in body["suggestions"]} == {
        str(shop["products"]["gaming"].id),
        str(shop["products"]["budget"].id),
    }
    error(api_client.get("/api/v1/search/suggest", {"q": ""}), 400)
    error(api_client.get("/api/v1/search/suggest", {"q": "a" * 201}), 400)
    error(api_client.get("/api/v1/search/suggest"), 400)


@pytest.mark.parametrize("page_size", [1, 50])
@pytest.mark.parametrize(
    "params",
    [
        {"q": "made"},
        {"q": "made laptop", "sort": "price_asc", "in_stock": "false", "min_price": "10"},
        {"q": "lapton", "sort": "rating", "max_price": "2000"},  # with the typo expansion
    ],
)
def test_one_sql_query_per_search_whatever_the_page(
    api_client, shop, settings, page_size, params, django_assert_num_queries
):
    settings.ELASTICSEARCH_URL = ""  # the PostgreSQL backend's count
    shirts = shop["categories"]["shirts"]
    with django_assert_num_queries(1):
        response = api_client.get("/api/v1/search", {**params, "page_size": page_size})
    assert response.status_code == 200
    assert response.json()["count"] >= 1
    with django_assert_num_queries(1):
        api_client.get("/api/v1/search", {**params, "category": str(shirts.id)})
    with django_assert_num_queries(1):
        assert api_client.get("/api/v1/search/suggest", {"q": "lsp"}).status_code == 200


def test_a_cached_answer_makes_no_query_and_an_index_change_retires_it(
    api_client, shop, indexed, django_assert_num_queries
):
    budget = shop["products"]["budget"]
    first = api_client.get("/api/v1/search", {"q": "budget"}).json()
    assert first["results"][0]["price"] == "449.00"
    suggested = api_client.get("/api/v1/search/suggest", {"q": "bud"}).json()
    with django_assert_num_queries(0):
        assert api_client.get("/api/v1/search", {"q": "budget"}).json() == first
        assert api_client.get("/api/v1/search/suggest", {"q": "bud"}).json() == suggested

    # A change behind the services' back shows whether an answer is still the cached one.
    SearchDocument.objects.filter(product_id=budget.id).update(name="Sneaky Budget Laptop")
    assert api_client.get("/api/v1/search", {"q": "budget"}).json() == first

    with indexed():
        product_update(product_id=budget.id, base_price="399.00")
    fresh = api_client.get("/api/v1/search", {"q": "budget"}).json()
    assert fresh["results"][0]["price"] == "399.00"
    assert fresh["results"][0]["name"] == "Northwind Budget Laptop"  # reindexed from the catalog


def test_signed_in_clients_share_the_cached_answers(user_client, api_client, shop):
    anonymous = api_client.get("/api/v1/search", {"q": "laptop"}).json()
    assert user_client.get("/api/v1/search", {"q": "laptop"}).json() == anonymous
