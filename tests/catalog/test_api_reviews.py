"""Reviews: signed-in users, once per product, rating 1–5, the product's aggregate follows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.models import Product
from apps.catalog.services import review_delete
from tests.accounts.factories import UserFactory
from tests.catalog.factories import product_via_services
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(tree):
    return product_via_services(category=tree["shirts"])


def url(product) -> str:
    return f"/api/v1/products/{product.id}/reviews"


def test_review_aggregate_and_listing(api_client, product, django_capture_on_commit_callbacks):
    api_client.get(f"/api/v1/products/{product.id}")  # cache the detail
    for rating in (5, 4, 4):
        with django_capture_on_commit_callbacks(execute=True):
            response = bearer_client(UserFactory(first_name="Ada", last_name="Lovelace")).post(
                url(product), {"rating": rating, "title": "Nice"}, format="json"
            )
        assert response.status_code == 201, response.content
    assert response.json()["author_name"] == "Ada L."
    product.refresh_from_db()
    assert (product.rating, product.num_reviews) == (Decimal("4.33"), 3)
    detail = api_client.get(f"/api/v1/products/{product.id}").json()
    assert (detail["rating"], detail["num_reviews"]) == ("4.33", 3)

    listing = api_client.get(url(product), {"page_size": 2}).json()
    assert listing["count"] == 3 and len(listing["results"]) == 2

    review_delete(review_id=listing["results"][0]["id"])
    product.refresh_from_db()
    assert product.num_reviews == 2


def test_second_review_is_409(user_client, product):
    assert user_client.post(url(product), {"rating": 3}, format="json").status_code == 201
    again = user_client.post(url(product), {"rating": 5}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    product.refresh_from_db()
    assert (product.rating, product.num_reviews) == (Decimal("3.00"), 1)


@pytest.mark.parametrize("rating", [0, 6, "five", None])
def test_rating_must_be_1_to_5(user_client, product, rating):
    response = user_client.post(url(product), {"rating": rating}, format="json")
    assert response.status_code == 400
    assert "rating" in response.json()["error"]["details"]
    assert Product.objects.get(id=product.id).num_reviews == 0


def test_reviews_need_sign_in_and_a_visible_product(api_client, user_client, tree):
    active = product_via_services(category=tree["shirts"])
    assert api_client.post(url(active), {"rating": 5}, format="json").status_code == 401
    draft = product_via_services(category=tree["shirts"], status="draft")
    assert user_client.post(url(draft), {"rating": 5}, format="json").status_code == 404
    assert api_client.get(url(draft)).status_code == 404


def test_public_reviews_show_a_display_name_never_the_user_id_or_email(api_client, product):
    ada = UserFactory(first_name="Ada", last_name="Lovelace", email="ada.lovelace@example.com")
    nameless = UserFactory(first_name="", last_name="", email="grace.hopper@example.com")
    for author in (ada, nameless):
        created = bearer_client(author).post(url(product), {"rating": 4}, format="json")
        assert created.status_code == 201, created.content
        assert "user_id" not in created.json()
    listing = api_client.get(url(product)).json()["results"]
    assert sorted(review["author_name"] for review in listing) == ["Ada L.", "Customer"]
    text = str(listing)
    for author in (ada, nameless):
        assert str(author.id) not in text
        assert author.email.split("@")[0] not in text
