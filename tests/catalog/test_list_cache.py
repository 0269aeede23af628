"""The public product list pages are cached, retired by every change they show, and a reader
that loaded old rows cannot store them after a change committed (detail and list alike)."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from apps.catalog.models import Product
from apps.catalog.services import (
    product_detail_get,
    product_list_page,
    product_update,
    variant_stock_apply,
)
from tests.catalog.factories import product_via_services
from tests.catalog.test_cache_and_stock import DEAD_REDIS

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(tree):
    return product_via_services(sku="LISTED", category=tree["shirts"], base_price="25.00")


def listed(client, **params):
    response = client.get("/api/v1/products", params)
    assert response.status_code == 200, response.content
    return {item["sku"]: item for item in response.json()["results"]}


def test_a_cached_page_makes_no_query(api_client, product, django_assert_num_queries):
    listed(api_client)
    with django_assert_num_queries(0):
        assert listed(api_client)["LISTED"]["price"] == "25.00"
    # Another query string is another page.
    with django_assert_num_queries(2):
        listed(api_client, ordering="price")


def test_a_change_that_lists_show_retires_every_cached_page(
    api_client, product, django_capture_on_commit_callbacks
):
    assert listed(api_client)["LISTED"]["price"] == "25.00"
    assert "LISTED" in listed(api_client, ordering="-price")
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product_id=product.id, base_price="19.00")
    assert listed(api_client)["LISTED"]["price"] == "19.00"
    assert listed(api_client, ordering="-price")["LISTED"]["price"] == "19.00"


def test_stock_that_does_not_flip_in_stock_keeps_list_pages_but_not_the_detail(
    api_client, product, django_capture_on_commit_callbacks
):
    variant = product.variants.get()
    with django_capture_on_commit_callbacks(execute=True):
        variant_stock_apply(variant_id=variant.id, available=5, version=1)
    assert listed(api_client)["LISTED"]["in_stock"] is True
    detail = api_client.get(f"/api/v1/products/{product.id}").json()
    assert detail["variants"][0]["available"] == 5

    # A change behind the services' back shows whether the list page is still the cached one.
    Product.objects.filter(id=product.id).update(name="Sneaky")
    with django_capture_on_commit_callbacks(execute=True):
        variant_stock_apply(variant_id=variant.id, available=3, version=2)
    assert listed(api_client)["LISTED"]["name"] == "Product LISTED"  # page kept
    detail = api_client.get(f"/api/v1/products/{product.id}").json()
    assert detail["variants"][0]["available"] == 3  # detail dropped

    with django_capture_on_commit_callbacks(execute=True):
        variant_stock_apply(variant_id=variant.id, available=0, version=3)
    page = listed(api_client)  # in_stock flipped: pages retired
    assert page["LISTED"]["in_stock"] is False
    assert page["LISTED"]["name"] == "Sneaky"


def test_a_page_read_before_a_change_committed_is_not_stored(
    rf, product, django_capture_on_commit_callbacks
):
    def slow_reader():
        page = {"results": [{"sku": product.sku, "price": "25.00"}]}  # the old rows
        with django_capture_on_commit_callbacks(execute=True):
            product_update(product_id=product.id, base_price="11.00")  # commits meanwhile
        return page

    stale = product_list_page(request_key="http://testserver/api/v1/products", build=slow_reader)
    assert json.loads(stale)["results"][0]["price"] == "25.00"  # it answers what it read
    fresh = product_list_page(
        request_key="http://testserver/api/v1/products",
        build=lambda: {"results": [{"sku": product.sku, "price": "11.00"}]},
    )
    assert json.loads(fresh)["results"][0]["price"] == "11.00"  # but did not store it


def test_a_detail_read_before_a_change_committed_is_not_stored(
    product, django_capture_on_commit_callbacks, monkeypatch
):
    from apps.catalog.services import detail as detail_module

    build = detail_module.product_detail_build

    def build_then_a_writer_commits(loaded):
        body = build(loaded)
        with django_capture_on_commit_callbacks(execute=True):
            product_update(product_id=product.id, base_price="12.00")
        return body

    monkeypatch.setattr(detail_module, "product_detail_build", build_then_a_writer_commits)
    assert product_detail_get(product_id=product.id)["price"] == "25.00"
    monkeypatch.setattr(detail_module, "product_detail_build", build)
    assert product_detail_get(product_id=product.id)["price"] == "12.00"


@override_settings(CACHES=DEAD_REDIS)
def test_lists_work_with_redis_down(api_client, product):
    assert listed(api_client)["LISTED"]["price"] == "25.00"


def test_anonymous_hits_take_the_fast_path_and_answer_what_drf_answers(
    api_client, staff_client, tree, product, django_assert_num_queries, settings
):
    uncached = api_client.get(f"/api/v1/products/{product.id}")
    with django_assert_num_queries(0):
        cached = api_client.get(f"/api/v1/products/{product.id}")
        cached_slash = api_client.get(f"/api/v1/products/{product.id}/")
    assert cached.content == cached_slash.content == uncached.content
    assert cached["Content-Type"] == "application/json"
    assert staff_client.get(f"/api/v1/products/{product.id}").json() == cached.json()

    # A draft is never served from the fast path, even once staff cached it.
    draft = product_via_services(category=tree["shirts"], status="draft")
    assert staff_client.get(f"/api/v1/products/{draft.id}").status_code == 200
    assert api_client.get(f"/api/v1/products/{draft.id}").status_code == 404

    # The anonymous rate limit holds on the fast path too.
    settings.THROTTLE_RATES = {"anon": "2/min", "user": "100/min"}
    from shop.redis import redis_client

    redis_client().delete(*redis_client().keys("throttle:*"))
    statuses = [api_client.get(f"/api/v1/products/{product.id}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- cache keys from the known, validated parameters only -----------------------------------


def cached_pages() -> int:
    from django.core.cache import cache

    return len(cache.keys("catalog:list:*"))


def test_unknown_parameters_neither_grow_the_cache_nor_reach_the_links(
    api_client, tree, django_assert_num_queries
):
    for n in range(3):
        product_via_services(sku=f"PAGED{n}", category=tree["shirts"], base_price="10.00")
    first = api_client.get("/api/v1/products", {"page_size": 2}).json()
    assert first["next"] == "http://testserver/api/v1/products?page=2&page_size=2"
    pages = cached_pages()
    for junk in ({"utm": "x"}, {"utm": "y", "b": "1"}, {"_": "12345"}, {"PAGE_SIZE": "7"}):
        with django_assert_num_queries(0):  # the same page, from the cache
            again = api_client.get("/api/v1/products", {"page_size": 2, **junk}).json()
        assert again == first
    assert cached_pages() == pages
    # A junk parameter on a cache miss does not end up in the links cached for everyone.
    second = api_client.get("/api/v1/products", {"page": 2, "page_size": 2, "evil": "x"}).json()
    assert second["previous"] == "http://testserver/api/v1/products?page_size=2"
    assert "evil" not in json.dumps(second)


def test_equivalent_queries_share_one_cached_page(api_client, product):
    listed(api_client, min_price="5", ordering="price")
    pages = cached_pages()
    for query in (
        {"min_price": "5.00", "ordering": "price"},
        {"ordering": "price", "min_price": "5.0", "page": "1", "page_size": "20"},
    ):
        listed(api_client, **query)
    assert cached_pages() == pages
    listed(api_client, min_price="6", ordering="price")  # another filter is another page
    assert cached_pages() == pages + 1


def test_a_page_size_over_the_maximum_is_the_maximums_page(api_client, product):
    listed(api_client, page_size="100")
    pages = cached_pages()
    listed(api_client, page_size="5000")
    assert cached_pages() == pages


def test_an_invalid_query_is_answered_uncached(api_client, product):
    response = api_client.get("/api/v1/products", {"min_price": "cheap"})
    assert response.status_code == 400
    assert api_client.get("/api/v1/products", {"page": "not-a-page"}).status_code == 404
    assert cached_pages() == 0
