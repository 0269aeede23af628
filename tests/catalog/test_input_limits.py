"""Input the database cannot store is a 400 naming the field, never a database error: NUL
characters in attribute names and values, category paths past their column."""

from __future__ import annotations

import pytest

from apps.catalog.models import Category, Product, Variant
from apps.catalog.services import category_create
from tests.catalog.test_api_products import URL, write_body

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/v1/categories"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"attributes": {"material": "lin\u0000en"}}, "attributes"),
        ({"attributes": {"mat\u0000erial": "linen"}}, "attributes"),
        ({"variants": [{"sku": "V-1", "attributes": {"size": "S\u0000"}}]}, "variants"),
        ({"variants": [{"sku": "V-1", "attributes": {"s\u0000": "S"}}]}, "variants"),
        (
            {"variants": [{"sku": "V-1", "attributes": {"size": ["S", {"x": "\u0000"}]}}]},
            "variants",
        ),
        ({"name": "Shirt \u0000"}, "name"),
    ],
)
def test_nul_characters_are_400_invalid_and_write_nothing(staff_client, tree, overrides, field):
    response = staff_client.post(URL, write_body(tree, **overrides), format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]
    assert not Product.objects.filter(sku="NEW-1").exists()
    assert not Variant.objects.filter(sku="V-1").exists()


def test_nul_characters_in_an_update_are_400_too(staff_client, tree):
    product = staff_client.post(URL, write_body(tree), format="json").json()
    variant = product["variants"][0]
    response = staff_client.patch(
        f"{URL}/{product['id']}",
        {"variants": [{"id": variant["id"], "attributes": {"size": "\u0000"}}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert Variant.objects.get(id=variant["id"]).attributes == {"size": "S"}


def chain(*slugs: str) -> list[Category]:
    """Categories nested in the order given; returns them top first."""
    made: list[Category] = []
    for n, slug in enumerate(slugs):
        parent_id = made[-1].id if made else None
        made.append(category_create(name=f"Level {n}", slug=slug, parent_id=parent_id))
    return made


def long_slugs(count: int, length: int = 192) -> list[str]:
    return [f"{n}-".ljust(length, "x") for n in range(count)]


def test_a_category_whose_path_would_pass_its_column_is_400(staff_client):
    parent = chain(*long_slugs(5))[-1]  # a path of 966 characters
    assert len(parent.path) == 966
    body = {"name": "One too deep", "slug": "y" * 60, "parent_id": str(parent.id)}
    response = staff_client.post(CATEGORIES, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert "parent_id" in response.json()["error"]["details"]
    assert not Category.objects.filter(slug="y" * 60).exists()
    fits = staff_client.post(CATEGORIES, {**body, "slug": "y" * 30}, format="json")
    assert fits.status_code == 201, fits.content
    assert len(fits.json()["path"]) == 997


def test_moving_a_subtree_where_its_deepest_path_would_not_fit_is_400(staff_client):
    top, *_, bottom = chain(*long_slugs(5))
    long_parent = category_create(name="Long", slug="z" * 200)
    move = staff_client.patch(
        f"{CATEGORIES}/{top.id}", {"parent_id": str(long_parent.id)}, format="json"
    )
    assert move.status_code == 400, move.content
    assert "parent_id" in move.json()["error"]["details"]
    bottom.refresh_from_db()
    assert bottom.path.startswith(f"/{top.slug}/")  # nothing moved


def test_renaming_a_slug_that_would_push_a_descendant_past_the_column_is_400(staff_client):
    top, *_, bottom = chain("t", *long_slugs(4, length=199))  # the deepest: 803 characters
    assert len(bottom.path) == 803
    rename = staff_client.patch(f"{CATEGORIES}/{top.id}", {"slug": "s" * 200}, format="json")
    assert rename.status_code == 400, rename.content
    assert "slug" in rename.json()["error"]["details"]
    bottom.refresh_from_db()
    assert bottom.path.startswith("/t/")
    ok = staff_client.patch(f"{CATEGORIES}/{top.id}", {"slug": "s" * 190}, format="json")
    assert ok.status_code == 200, ok.content
    bottom.refresh_from_db()
    assert len(bottom.path) == 992
