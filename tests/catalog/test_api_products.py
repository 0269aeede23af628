"""GET/POST/PUT/PATCH/DELETE products: filters, ordering, pagination, permissions, writes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.models import Product, Variant
from apps.catalog.services import variant_stock_apply
from shop.events.models import OutboxEvent
from tests.catalog.factories import BrandFactory, product_via_services

pytestmark = pytest.mark.django_db

URL = "/api/v1/products"


def skus(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["sku"] for item in response.json()["results"]]


@pytest.fixture
def catalog(tree, brand):
    other = BrandFactory(name="Zephyr", slug="zephyr")
    cheap = product_via_services(
        sku="CHEAP", name="Alpha shirt", category=tree["oxford"], brand=brand, base_price="10.00"
    )
    mid = product_via_services(
        sku="MID", name="Beta shirt", category=tree["shirts"], brand=other, base_price="50.00"
    )
    dear = product_via_services(
        sku="DEAR", name="Gamma boot", category=tree["shoes"], brand=brand, base_price="99.99"
    )
    draft = product_via_services(sku="DRAFT", category=tree["shirts"], status="draft")
    variant_stock_apply(variant_id=mid.variants.get().id, available=3, version=1)
    return {"cheap": cheap, "mid": mid, "dear": dear, "draft": draft}


def test_list_shows_active_products_only_to_the_public(api_client, catalog):
    assert sorted(skus(api_client.get(URL))) == ["CHEAP", "DEAR", "MID"]
    # A non-staff status filter cannot reveal drafts.
    assert "DRAFT" not in skus(api_client.get(URL, {"status": "draft"}))


def test_staff_see_every_status_and_filter_by_it(staff_client, catalog):
    assert "DRAFT" in skus(staff_client.get(URL))
    assert skus(staff_client.get(URL, {"status": "draft"})) == ["DRAFT"]


def test_category_filter_includes_descendants(api_client, catalog, tree):
    assert sorted(skus(api_client.get(URL, {"category": tree["clothing"].id}))) == ["CHEAP", "MID"]
    assert skus(api_client.get(URL, {"category": tree["oxford"].id})) == ["CHEAP"]
    nested = f"/api/v1/categories/{tree['shirts'].id}/products"
    assert sorted(skus(api_client.get(nested))) == ["CHEAP", "MID"]


def test_brand_price_and_stock_filters(api_client, catalog, brand):
    assert sorted(skus(api_client.get(URL, {"brand": brand.id}))) == ["CHEAP", "DEAR"]
    # Bounds are inclusive.
    assert sorted(skus(api_client.get(URL, {"min_price": "10.00", "max_price": "50.00"}))) == [
        "CHEAP",
        "MID",
    ]
    assert skus(api_client.get(URL, {"min_price": "50.01"})) == ["DEAR"]
    assert skus(api_client.get(URL, {"in_stock": "true"})) == ["MID"]
    assert sorted(skus(api_client.get(URL, {"in_stock": "false"}))) == ["CHEAP", "DEAR"]


def test_bad_filter_values_are_400(api_client, catalog):
    response = api_client.get(URL, {"min_price": "cheap", "category": "nope"})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"min_price", "category"}
    assert api_client.get(URL, {"ordering": "sku"}).status_code == 400


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["CHEAP", "MID", "DEAR"]),
        ("-price", ["DEAR", "MID", "CHEAP"]),
        ("name", ["CHEAP", "MID", "DEAR"]),
        ("-created_at", ["DEAR", "MID", "CHEAP"]),
    ],
)
def test_ordering(api_client, catalog, ordering, expected):
    assert skus(api_client.get(URL, {"ordering": ordering})) == expected


def test_ordering_by_rating(api_client, catalog, user):
    from apps.catalog.services import review_create

    review_create(product_id=catalog["dear"].id, user_id=user.id, rating=5)
    review_create(product_id=catalog["cheap"].id, user_id=user.id, rating=2)
    assert skus(api_client.get(URL, {"ordering": "-rating"})) == ["DEAR", "CHEAP", "MID"]


def test_page_size_is_capped_at_100(api_client, tree):
    Product.objects.bulk_create(
        Product(sku=f"BULK-{i}", slug=f"bulk-{i}", name=f"Bulk {i}", category=tree["shoes"],
                base_price=Decimal("1.00"), price=Decimal("1.00"))
        for i in range(105)
    )  # fmt: skip
    body = api_client.get(URL, {"page_size": 1000}).json()
    assert body["count"] == 105
    assert len(body["results"]) == 100
    assert body["next"] is not None and body["previous"] is None


def test_list_item_shape(api_client, catalog):
    item = api_client.get(URL, {"ordering": "price"}).json()["results"][0]
    assert item["price"] == "10.00"
    assert item["brand"]["name"] == "Northwind"
    assert item["category"]["path"] == "/clothing/shirts/oxford/"
    assert {"id", "sku", "slug", "name", "in_stock", "rating", "num_reviews", "image"} <= set(item)


def test_detail_shape_and_hidden_products(api_client, staff_client, catalog):
    mid = catalog["mid"]
    body = api_client.get(f"{URL}/{mid.id}").json()
    assert body["price"] == "50.00" and body["base_price"] == "50.00"
    assert body["variants"][0]["sku"] == "MID"
    assert body["variants"][0]["available"] == 3 and body["variants"][0]["in_stock"] is True
    assert body["category"] == {
        "id": str(mid.category_id), "name": "Shirts", "path": "/clothing/shirts/"
    }  # fmt: skip
    assert body["created_at"].endswith("Z")
    assert api_client.get(f"{URL}/{mid.id}/").status_code == 200  # trailing slash answers too

    draft = catalog["draft"]
    missing = api_client.get(f"{URL}/{draft.id}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert staff_client.get(f"{URL}/{draft.id}").status_code == 200


def write_body(tree, **overrides):
    body = {
        "sku": "NEW-1",
        "name": "Linen Shirt",
        "category_id": str(tree["shirts"].id),
        "base_price": "30.00",
        "attributes": {"material": "linen"},
        "variants": [
            {"sku": "NEW-1-S", "attributes": {"size": "S"}, "price_adjustment": "0.00"},
            {"sku": "NEW-1-XL", "attributes": {"size": "XL"}, "price_adjustment": "5.00"},
        ],
    }
    body.update(overrides)
    return body


def test_staff_create_with_variants(staff_client, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(URL, write_body(tree), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["price"] == "30.00"
    assert [v["price"] for v in body["variants"]] == ["30.00", "35.00"]
    assert all(v["in_stock"] is False and v["available"] == 0 for v in body["variants"])
    assert body["attributes"] == {"material": "linen"}
    assert OutboxEvent.objects.filter(name="product.created", payload={"id": body["id"]}).exists()


def test_create_without_variants_makes_a_default_one(staff_client, tree):
    body = write_body(tree)
    del body["variants"]
    response = staff_client.post(URL, body, format="json")
    assert response.status_code == 201
    variants = response.json()["variants"]
    assert [(v["sku"], v["price"]) for v in variants] == [("NEW-1", "30.00")]


def test_writes_are_staff_only(api_client, user_client, tree, catalog):
    anonymous = api_client.post(URL, write_body(tree), format="json")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    customer = user_client.post(URL, write_body(tree), format="json")
    assert customer.status_code == 403
    assert customer.json()["error"]["code"] == "permission_denied"
    target = f"{URL}/{catalog['mid'].id}"
    assert user_client.patch(target, {"name": "x"}, format="json").status_code == 403
    assert user_client.delete(target).status_code == 403
    assert api_client.delete(target).status_code == 401
    assert not Product.objects.filter(sku="NEW-1").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"base_price": "-1.00"}, "base_price"),
        (
            {"variants": [{"sku": "V-1", "attributes": {}, "price_adjustment": "-31.00"}]},
            "variants",
        ),
        ({"category_id": "00000000-0000-0000-0000-000000000000"}, "category_id"),
        ({"brand_id": "00000000-0000-0000-0000-000000000000"}, "brand_id"),
        ({"category_id": "not-a-uuid"}, "category_id"),
        ({"sku": "MID"}, "sku"),  # another product's SKU
        ({"variants": [{"sku": "CHEAP", "attributes": {}}]}, "variants"),  # a variant's SKU
        ({"variants": [{"sku": "D"}, {"sku": "D"}]}, "variants"),  # twice in one request
    ],
)
def test_bad_input_is_400_and_writes_nothing(staff_client, tree, catalog, overrides, field):
    before = (Product.objects.count(), Variant.objects.count())
    response = staff_client.post(URL, write_body(tree, **overrides), format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]
    assert (Product.objects.count(), Variant.objects.count()) == before


def test_duplicate_variant_sku_names_the_variant(staff_client, tree, catalog):
    body = write_body(tree, variants=[{"sku": "OK-1"}, {"sku": "CHEAP"}])
    details = staff_client.post(URL, body, format="json").json()["error"]["details"]
    # As DRF renders a nested list's errors: only the failing items, by index.
    assert set(details["variants"]) == {"1"}
    assert "sku" in details["variants"]["1"]


def test_patch_changes_and_adds_variants(staff_client, catalog, django_capture_on_commit_callbacks):
    product = catalog["mid"]
    existing = product.variants.get()
    body = {
        "base_price": "40.00",
        "variants": [
            {"id": str(existing.id), "sku": "MID", "price_adjustment": "2.00"},
            {"sku": "MID-L", "attributes": {"size": "L"}, "price_adjustment": "-5.00"},
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(f"{URL}/{product.id}", body, format="json")
    assert response.status_code == 200, response.content
    detail = response.json()
    assert {v["sku"]: v["price"] for v in detail["variants"]} == {"MID": "42.00", "MID-L": "35.00"}
    assert detail["price"] == "35.00"  # the lowest variant price
    assert detail["name"] == "Beta shirt"  # untouched by a PATCH
    assert OutboxEvent.objects.filter(name="product.updated", payload={"id": str(product.id)})


def test_base_price_change_cannot_make_an_existing_variant_negative(staff_client, catalog):
    product = catalog["mid"]
    staff_client.patch(f"{URL}/{product.id}", {"variants": [
        {"sku": "MID-DISCOUNT", "price_adjustment": "-20.00"}]}, format="json")  # fmt: skip
    response = staff_client.patch(f"{URL}/{product.id}", {"base_price": "10.00"}, format="json")
    assert response.status_code == 400
    assert "base_price" in response.json()["error"]["details"]
    product.refresh_from_db()
    assert product.base_price == Decimal("50.00") and product.price == Decimal("30.00")


def test_patch_unknown_variant_id_is_400(staff_client, catalog):
    other_variant = catalog["cheap"].variants.get()
    response = staff_client.patch(
        f"{URL}/{catalog['mid'].id}",
        {"variants": [{"id": str(other_variant.id), "price_adjustment": "1.00"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "id" in response.json()["error"]["details"]["variants"]["0"]


def test_put_replaces_the_product(staff_client, tree, catalog):
    product = catalog["mid"]
    body = write_body(tree, sku="MID", name="Renamed", variants=[])
    del body["attributes"]
    response = staff_client.put(f"{URL}/{product.id}", body, format="json")
    assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["name"] == "Renamed" and detail["brand"] is None and detail["attributes"] == {}
    assert detail["price"] == "30.00"


def test_delete_archives(staff_client, api_client, catalog, django_capture_on_commit_callbacks):
    product = catalog["mid"]
    api_client.get(f"{URL}/{product.id}")  # cached while active
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.delete(f"{URL}/{product.id}")
    assert response.status_code == 204
    product.refresh_from_db()
    assert product.status == Product.Status.ARCHIVED
    assert Variant.objects.filter(product=product).exists()  # kept for order history
    assert api_client.get(f"{URL}/{product.id}").status_code == 404
    assert "MID" not in skus(api_client.get(URL))
    assert OutboxEvent.objects.filter(name="product.deleted", payload={"id": str(product.id)})


def test_unknown_product_is_404(api_client, staff_client):
    missing = "00000000-0000-0000-0000-000000000000"
    assert api_client.get(f"{URL}/{missing}").status_code == 404
    assert staff_client.patch(f"{URL}/{missing}", {"name": "x"}, format="json").status_code == 404
    assert staff_client.delete(f"{URL}/{missing}").status_code == 404
    assert api_client.get(f"{URL}/not-a-uuid").json()["error"]["code"] == "not_found"


def test_the_same_variant_twice_in_one_request_is_400(staff_client, catalog):
    product = catalog["mid"]
    variant = product.variants.get()
    response = staff_client.patch(f"{URL}/{product.id}", {"variants": [
        {"id": str(variant.id), "sku": "MID-A"},
        {"id": str(variant.id), "sku": "MID-B"},
    ]}, format="json")  # fmt: skip
    assert response.status_code == 400, response.content
    details = response.json()["error"]["details"]["variants"]
    assert set(details) == {"1"} and "id" in details["1"]
    assert Variant.objects.get(id=variant.id).sku == "MID"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "base_price": "9999999999.99",
                "variants": [{"sku": "HUGE-1", "price_adjustment": "1"}],
            },
            "variants",
        ),
        ({"base_price": "9999999999.99", "variants": []}, None),  # the default variant fits
    ],
)
def test_a_price_beyond_the_column_is_400_not_500(staff_client, tree, body, field):
    response = staff_client.post(URL, write_body(tree, sku="HUGE", **body), format="json")
    if field is None:
        assert response.status_code == 201, response.content
        return
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["details"]
    assert not Product.objects.filter(sku="HUGE").exists()


def test_a_base_price_raise_beyond_the_column_for_an_existing_variant_is_400(staff_client, catalog):
    product = catalog["mid"]
    response = staff_client.patch(f"{URL}/{product.id}", {"variants": [
        {"sku": "MID-PLUS", "price_adjustment": "1000.00"}]}, format="json")  # fmt: skip
    assert response.status_code == 200
    response = staff_client.patch(
        f"{URL}/{product.id}", {"base_price": "9999999999.00"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "base_price" in response.json()["error"]["details"]


@pytest.mark.parametrize("name", ["x" * 101, " "])
def test_an_attribute_name_that_cannot_be_stored_is_400(staff_client, tree, name):
    response = staff_client.post(
        URL, write_body(tree, attributes={name: "a", "ok": "b"}), format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["details"]["attributes"]) == {name}
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_names_differing_past_100_characters_are_400_not_a_500(staff_client, catalog):
    long = "n" * 100
    response = staff_client.patch(
        f"{URL}/{catalog['mid'].id}",
        {"attributes": {long + "a": "1", long + "b": "2"}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "attributes" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", ""), ("delete", ""), ("post", "/{id}"), ("put", "/{id}/reviews"),
     ("delete", "/{id}/reviews")],
)  # fmt: skip
def test_a_wrong_method_is_405_in_the_error_body(staff_client, catalog, method, path):
    target = URL + path.format(id=catalog["mid"].id)
    for url in (target, f"{target}/"):
        response = getattr(staff_client, method)(url, {}, format="json")
        assert response.status_code == 405, (url, response.content)
        assert response.json() == {"error": {
            "code": "method_not_allowed", "message": response.json()["error"]["message"],
            "details": {}}}  # fmt: skip


def test_every_list_has_the_envelope_and_the_cap(api_client, catalog, tree):
    import uuid

    from apps.catalog.models import Brand, Review

    product = catalog["mid"]
    Review.objects.bulk_create(
        Review(product=product, user_id=uuid.uuid4(), rating=4) for _ in range(101)
    )
    Brand.objects.bulk_create(Brand(name=f"Bulk {i}", slug=f"bulk-{i}") for i in range(101))
    Product.objects.bulk_create(
        Product(sku=f"BULK-{i}", slug=f"bulk-{i}", name=f"Bulk {i}", category=tree["oxford"],
                base_price=Decimal("1.00"), price=Decimal("1.00"))
        for i in range(101)
    )  # fmt: skip
    for path in (
        URL,
        f"{URL}/",
        f"/api/v1/categories/{tree['clothing'].id}/products",
        f"/api/v1/categories/{tree['clothing'].id}/products/",
        f"{URL}/{product.id}/reviews",
        f"{URL}/{product.id}/reviews/",
        "/api/v1/brands",
        "/api/v1/brands/",
    ):
        response = api_client.get(path, {"page_size": 1000})
        assert response.status_code == 200, (path, response.content)
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}, path
        assert body["count"] > 100 and len(body["results"]) == 100, path
        assert body["previous"] is None and "page=2" in body["next"], path
        assert len(api_client.get(path).json()["results"]) == 20, path  # the default size


def test_hidden_products_are_404_for_customers_everywhere(
    api_client, user_client, staff_client, catalog, tree
):
    draft = catalog["draft"]
    archived = product_via_services(sku="GONE", category=tree["shirts"], status="archived")
    for product in (draft, archived):
        for client in (api_client, user_client):
            for path in (f"{URL}/{product.id}", f"{URL}/{product.id}/reviews"):
                response = client.get(path)
                assert response.status_code == 404, path
                assert response.json()["error"]["code"] == "not_found"
            listed = client.get(f"/api/v1/categories/{tree['shirts'].id}/products")
            assert product.sku not in skus(listed)
        assert staff_client.get(f"{URL}/{product.id}").status_code == 200
        assert staff_client.get(f"{URL}/{product.id}/reviews").status_code == 200


@pytest.mark.parametrize(
    "variants",
    [
        [{"sku": "OK-1"}, {"sku": ""}],  # refused by the serializer
        [{"sku": "OK-1"}, {"sku": "CHEAP"}],  # refused by the service
    ],
)
def test_variant_errors_have_one_shape_whoever_finds_them(staff_client, tree, catalog, variants):
    response = staff_client.post(URL, write_body(tree, variants=variants), format="json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]["variants"]
    assert set(details) == {"1"} and set(details["1"]) == {"sku"}
