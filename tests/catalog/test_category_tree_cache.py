"""The category tree as cached rendered JSON: no query once cached, dropped on commit."""

from __future__ import annotations

import pytest

from apps.catalog import services
from apps.catalog.models import Category
from tests.catalog.factories import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories"


def names(body: list) -> list[str]:
    out = []
    for node in body:
        out.append(node["name"])
        out.extend(names(node["children"]))
    return out


def test_the_tree_is_served_from_the_cache(
    api_client, staff_client, tree, django_assert_num_queries
):
    with django_assert_num_queries(1):
        first = api_client.get(URL)
    with django_assert_num_queries(0):  # the anonymous fast path: no DRF, no query
        again = api_client.get(URL)
    assert again.status_code == 200 and again["Content-Type"] == "application/json"
    assert again.json() == first.json()
    assert staff_client.get(URL).json() == first.json()  # staff read the same tree
    # A change behind the services' back is not seen: the tree really comes from the cache.
    Category.objects.filter(id=tree["shoes"].id).update(name="Sneaky")
    assert "Sneaky" not in names(api_client.get(URL).json())


def test_a_rename_is_seen_by_the_next_tree_read(
    api_client, staff_client, tree, django_capture_on_commit_callbacks
):
    assert "Shoes" in names(api_client.get(URL).json())
    api_client.get(URL)  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(f"{URL}/{tree['shoes'].id}", {"name": "Footwear"})
    assert response.status_code == 200, response.content
    seen = names(api_client.get(URL).json())
    assert "Footwear" in seen and "Shoes" not in seen


def test_a_move_create_and_delete_are_seen_by_the_next_tree_read(
    api_client, staff_client, tree, django_capture_on_commit_callbacks
):
    api_client.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.patch(f"{URL}/{tree['shirts'].id}", {"parent_id": str(tree["shoes"].id)})
    shoes = next(node for node in api_client.get(URL).json() if node["slug"] == "shoes")
    assert [child["path"] for child in shoes["children"]] == ["/shoes/shirts/"]
    assert shoes["children"][0]["children"][0]["path"] == "/shoes/shirts/oxford/"

    with django_capture_on_commit_callbacks(execute=True):
        created = staff_client.post(URL, {"name": "Hats"}).json()
    assert "Hats" in names(api_client.get(URL).json())
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.delete(f"{URL}/{created['id']}").status_code == 204
    assert "Hats" not in names(api_client.get(URL).json())


def test_any_category_write_drops_the_tree_on_commit_not_before(
    api_client, tree, django_capture_on_commit_callbacks
):
    api_client.get(URL)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        CategoryFactory(name="Bags", slug="bags")  # a plain save (seeds, the admin's delete)
        assert "Bags" not in names(api_client.get(URL).json())  # not committed yet
    for callback in callbacks:
        callback()
    assert "Bags" in names(api_client.get(URL).json())


def test_category_paths_from_the_cached_tree(tree, django_assert_num_queries):
    services.category_tree_body()
    wanted = [tree["oxford"].id, tree["shoes"].id]
    with django_assert_num_queries(0):
        paths = services.category_paths_get_cached(wanted)
    assert paths == services.category_paths_get(wanted)
    assert paths[tree["oxford"].id] == "/clothing/shirts/oxford/"
