"""Fixed query counts for list and detail, whatever the page size (no N+1)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.catalog.models import ProductImage
from tests.catalog.factories import BrandFactory, product_via_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_products(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    products = []
    for i in range(60):
        product = product_via_services(
            sku=f"Q-{i:03d}",
            category=tree["oxford"] if i % 2 else tree["shoes"],
            brand=BrandFactory(),
            attributes={"material": "wool", "fit": "slim"},
            variants=[{"sku": f"Q-{i:03d}-S"}, {"sku": f"Q-{i:03d}-M"}],
        )
        ProductImage.objects.create(
            product=product, image=SimpleUploadedFile(f"q{i}.gif", b"GIF89a"), position=0
        )
        products.append(product)
    return products


@pytest.mark.parametrize("page_size", [5, 50])
@pytest.mark.parametrize("params", [{}, {"ordering": "price", "in_stock": "false"}])
def test_list_query_count_is_fixed(api_client, many_products, tree, page_size, params,
                                   django_assert_max_num_queries):  # fmt: skip
    with django_assert_max_num_queries(2):  # count + page
        response = api_client.get("/api/v1/products", {"page_size": page_size, **params})
    assert len(response.json()["results"]) == page_size
    assert response.json()["results"][0]["image"].startswith("/media/products/")
    # + the category lookup (404 for an unknown one); the subtree filter is a subquery.
    with django_assert_max_num_queries(3):
        response = api_client.get(
            f"/api/v1/categories/{tree['clothing'].id}/products", {"page_size": page_size}
        )
    assert len(response.json()["results"]) == min(page_size, 30)  # half are under clothing


@pytest.mark.parametrize("page_size", [5, 50])
def test_staff_list_query_count_is_fixed(staff_client, many_products, page_size,
                                         django_assert_max_num_queries):  # fmt: skip
    with django_assert_max_num_queries(3):  # + the user behind the token
        response = staff_client.get("/api/v1/products", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_detail_query_count_is_fixed(api_client, many_products, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        body = api_client.get(f"/api/v1/products/{many_products[0].id}").json()
    assert len(body["variants"]) == 2 and len(body["images"]) == 1 and len(body["attributes"]) == 2


@pytest.mark.parametrize("page_size", [5, 50])
def test_reviews_and_brands_query_counts(api_client, many_products, page_size,
                                         django_assert_max_num_queries):  # fmt: skip
    with django_assert_max_num_queries(2):
        assert api_client.get("/api/v1/brands", {"page_size": page_size}).status_code == 200
    with django_assert_max_num_queries(3):
        url = f"/api/v1/products/{many_products[0].id}/reviews"
        assert api_client.get(url, {"page_size": page_size}).status_code == 200


def test_category_tree_is_one_query(api_client, tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        body = api_client.get("/api/v1/categories").json()
    assert [node["slug"] for node in body] == ["clothing", "shoes"]
    assert body[0]["children"][0]["children"][0]["path"] == "/clothing/shirts/oxford/"
