"""Categories (tree, staff writes, moves re-path the subtree, delete rules) and brands."""

from __future__ import annotations

import pytest

from apps.catalog.models import Brand, Category
from tests.catalog.factories import product_via_services

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories"


def test_create_child_category(staff_client, tree):
    response = staff_client.post(
        URL, {"name": "Flannel Shirts", "parent_id": str(tree["shirts"].id)}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "flannel-shirts"
    assert body["path"] == "/clothing/shirts/flannel-shirts/" and body["level"] == 2


def test_category_writes_are_staff_only(api_client, user_client, tree):
    assert api_client.post(URL, {"name": "X"}, format="json").status_code == 401
    assert user_client.post(URL, {"name": "X"}, format="json").status_code == 403
    assert user_client.delete(f"{URL}/{tree['shoes'].id}").status_code == 403
    assert Category.objects.filter(id=tree["shoes"].id).exists()


def test_bad_category_input(staff_client, tree):
    unknown = staff_client.post(
        URL, {"name": "X", "parent_id": "00000000-0000-0000-0000-000000000000"}, format="json"
    )
    assert unknown.status_code == 400 and "parent_id" in unknown.json()["error"]["details"]
    taken = staff_client.post(URL, {"name": "Shoes"}, format="json")
    assert taken.status_code == 400 and "slug" in taken.json()["error"]["details"]


def test_move_repaths_the_whole_subtree(staff_client, tree):
    response = staff_client.patch(
        f"{URL}/{tree['shirts'].id}", {"parent_id": str(tree["shoes"].id)}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["path"] == "/shoes/shirts/"
    oxford = Category.objects.get(id=tree["oxford"].id)
    assert (oxford.path, oxford.level) == ("/shoes/shirts/oxford/", 2)
    clothing = Category.objects.get(id=tree["clothing"].id)
    assert clothing.path == "/clothing/"  # outside the subtree: untouched

    to_root = staff_client.patch(f"{URL}/{tree['shirts'].id}", {"parent_id": None}, format="json")
    assert to_root.json()["path"] == "/shirts/"
    oxford.refresh_from_db()
    assert (oxford.path, oxford.level) == ("/shirts/oxford/", 1)


def test_renaming_the_slug_repaths_too(staff_client, tree):
    staff_client.patch(f"{URL}/{tree['clothing'].id}", {"slug": "apparel"}, format="json")
    assert Category.objects.get(id=tree["oxford"].id).path == "/apparel/shirts/oxford/"


def test_move_repaths_cached_product_details(
    staff_client, api_client, tree, django_capture_on_commit_callbacks
):
    product = product_via_services(category=tree["oxford"])
    assert api_client.get(f"/api/v1/products/{product.id}").json()["category"]["path"] == (
        "/clothing/shirts/oxford/"
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.patch(
            f"{URL}/{tree['shirts'].id}", {"parent_id": str(tree["shoes"].id)}, format="json"
        )
    assert api_client.get(f"/api/v1/products/{product.id}").json()["category"]["path"] == (
        "/shoes/shirts/oxford/"
    )


@pytest.mark.parametrize("target", ["shirts", "oxford"])
def test_cannot_move_under_itself_or_a_descendant(staff_client, tree, target):
    response = staff_client.patch(
        f"{URL}/{tree['shirts'].id}", {"parent_id": str(tree[target].id)}, format="json"
    )
    assert response.status_code == 400
    assert "parent_id" in response.json()["error"]["details"]
    assert Category.objects.get(id=tree["shirts"].id).path == "/clothing/shirts/"


def test_delete_rules(staff_client, tree):
    product_via_services(category=tree["shoes"], status="archived")
    with_products = staff_client.delete(f"{URL}/{tree['shoes'].id}")
    assert with_products.status_code == 409
    assert with_products.json()["error"]["code"] == "conflict"
    with_children = staff_client.delete(f"{URL}/{tree['shirts'].id}")
    assert with_children.status_code == 409
    assert staff_client.delete(f"{URL}/{tree['oxford'].id}").status_code == 204
    assert not Category.objects.filter(id=tree["oxford"].id).exists()
    assert staff_client.delete(f"{URL}/{tree['oxford'].id}").status_code == 404


def test_unknown_category_products_is_404(api_client):
    missing = "00000000-0000-0000-0000-000000000000"
    assert api_client.get(f"{URL}/{missing}/products").status_code == 404


def test_brands_list_and_staff_create(api_client, user_client, staff_client, brand):
    body = api_client.get("/api/v1/brands").json()
    assert body["count"] == 1 and body["results"][0] == {
        "id": str(brand.id), "name": "Northwind", "slug": "northwind"
    }  # fmt: skip
    assert user_client.post("/api/v1/brands", {"name": "Acme"}, format="json").status_code == 403
    created = staff_client.post("/api/v1/brands", {"name": "Acme Tools"}, format="json")
    assert created.status_code == 201 and created.json()["slug"] == "acme-tools"
    duplicate = staff_client.post("/api/v1/brands", {"name": "northwind"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["error"]["details"]
    assert Brand.objects.count() == 2


def test_a_category_reads_like_its_patch_answer(api_client, staff_client, tree):
    for path in (f"{URL}/{tree['shirts'].id}", f"{URL}/{tree['shirts'].id}/"):
        response = api_client.get(path)
        assert response.status_code == 200, response.content
        assert response.json() == {
            "id": str(tree["shirts"].id), "name": "Shirts", "slug": "shirts",
            "path": "/clothing/shirts/", "level": 1, "parent_id": str(tree["clothing"].id),
        }  # fmt: skip
    patched = staff_client.patch(f"{URL}/{tree['shirts'].id}", {}, format="json")
    assert patched.json() == api_client.get(f"{URL}/{tree['shirts'].id}").json()
    missing = api_client.get(f"{URL}/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_category_and_brand_wrong_methods_are_405(staff_client, tree):
    for method, path in (
        ("put", f"{URL}/{tree['shirts'].id}"),
        ("post", f"{URL}/{tree['shirts'].id}"),
        ("delete", URL),
        ("put", "/api/v1/brands"),
        ("post", f"{URL}/{tree['shirts'].id}/products"),
    ):
        response = getattr(staff_client, method)(path, {}, format="json")
        assert response.status_code == 405, (method, path)
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_category_writes_answer_with_and_without_a_slash(staff_client, tree):
    created = staff_client.post(f"{URL}/", {"name": "Hats"}, format="json")
    assert created.status_code == 201
    category_id = created.json()["id"]
    assert (
        staff_client.patch(f"{URL}/{category_id}/", {"name": "Caps"}, format="json").json()["name"]
        == "Caps"
    )
    assert staff_client.delete(f"{URL}/{category_id}/").status_code == 204


def test_brand_update_of_an_unknown_brand_is_not_found(db):
    from apps.catalog.exceptions import BrandNotFound
    from apps.catalog.services import brand_update

    with pytest.raises(BrandNotFound):
        brand_update(brand_id="00000000-0000-0000-0000-000000000000", name="X", slug="x")
