"""me/addresses and me/addresses/{id}."""

from __future__ import annotations

import uuid

import pytest

from apps.accounts.models import Address
from tests.accounts.errors import assert_error, assert_invalid_fields
from tests.accounts.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/addresses"
BODY = {
    "type": "shipping",
    "full_name": "Ada Lovelace",
    "address_line1": "12 St James's Square",
    "address_line2": "Flat 3",
    "city": "London",
    "state": "",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
    "phone": "+44 20 7946 0000",
}
NOT_FOUND = {"error": {"code": "not_found", "message": "Address not found.", "details": {}}}


def detail(address_id) -> str:
    return f"{URL}/{address_id}"


def test_create_answers_201_with_the_address(user_client, user):
    response = user_client.post(URL, BODY, format="json")
    assert response.status_code == 201
    body = response.json()
    address = Address.objects.get()
    assert body == {**BODY, "id": str(address.id), "is_default": True}
    assert address.user_id == user.id


def test_the_first_address_of_a_type_becomes_the_default_unless_told(user_client):
    first = user_client.post(URL, BODY, format="json").json()
    second = user_client.post(URL, BODY, format="json").json()
    billing = user_client.post(URL, BODY | {"type": "billing"}, format="json").json()
    explicit = user_client.post(
        URL, BODY | {"type": "billing", "is_default": False}, format="json"
    ).json()
    assert (first["is_default"], second["is_default"]) == (True, False)
    assert (billing["is_default"], explicit["is_default"]) == (True, False)


def test_a_new_default_unsets_the_old_one_of_the_same_type(user_client, user):
    old = AddressFactory(user=user, is_default=True)
    billing = AddressFactory(user=user, type="billing", is_default=True)
    response = user_client.post(URL, BODY | {"is_default": True}, format="json")
    assert response.json()["is_default"] is True
    old.refresh_from_db()
    billing.refresh_from_db()
    assert old.is_default is False
    assert billing.is_default is True


def test_lowercase_country_is_accepted_and_upper_cased(user_client):
    response = user_client.post(URL, BODY | {"country": "gb"}, format="json")
    assert response.json()["country"] == "GB"


@pytest.mark.parametrize("country", ["XX", "GBR", "United Kingdom", "", "G"])
def test_a_country_that_is_not_iso_alpha2_is_400_invalid(user_client, country):
    assert_invalid_fields(
        user_client.post(URL, BODY | {"country": country}, format="json"), "country"
    )
    assert not Address.objects.exists()


def test_missing_required_fields_are_400_invalid_naming_each(user_client):
    assert_invalid_fields(
        user_client.post(URL, {}, format="json"),
        "full_name",
        "address_line1",
        "city",
        "country",
    )


@pytest.mark.parametrize(
    "body, field",
    [({"type": "home"}, "type"), ({"phone": "call me"}, "phone"), ({"city": ""}, "city")],
)
def test_bad_values_are_400_invalid(user_client, body, field):
    assert_invalid_fields(user_client.post(URL, BODY | body, format="json"), field)


def test_addresses_need_a_signed_in_user(api_client):
    assert_error(api_client.get(URL), 401, "not_authenticated")
    assert_error(api_client.post(URL, BODY, format="json"), 401, "not_authenticated")


def test_list_is_paginated_and_holds_only_my_addresses(
    user_client, user, django_assert_max_num_queries
):
    mine = AddressFactory.create_batch(3, user=user)
    AddressFactory(user=UserFactory())
    # user behind the token, count, page
    with django_assert_max_num_queries(3):
        response = user_client.get(URL, {"page_size": 2})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    assert body["previous"] is None and "page=2" in body["next"]
    assert len(body["results"]) == 2
    page2 = user_client.get(body["next"]).json()
    listed = {row["id"] for row in body["results"] + page2["results"]}
    assert listed == {str(address.id) for address in mine}


@pytest.mark.parametrize("page_size", [5, 50])
def test_list_query_count_does_not_grow_with_the_page(
    user_client, user, django_assert_max_num_queries, page_size
):
    AddressFactory.create_batch(page_size, user=user)
    with django_assert_max_num_queries(3):
        response = user_client.get(URL, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_detail_answers_the_address(user_client, user, django_assert_max_num_queries):
    address = AddressFactory(user=user, country="DE", is_default=True)
    with django_assert_max_num_queries(2):
        response = user_client.get(detail(address.id))
    assert response.status_code == 200
    assert response.json() == {
        "id": str(address.id),
        "type": "shipping",
        "is_default": True,
        "full_name": address.full_name,
        "address_line1": address.address_line1,
        "address_line2": "",
        "city": address.city,
        "state": "",
        "postal_code": address.postal_code,
        "country": "DE",
        "phone": "",
    }
    assert user_client.get(detail(address.id) + "/").status_code == 200


def test_another_users_address_is_404_for_every_method(user_client):
    theirs = AddressFactory(user=UserFactory())
    assert user_client.get(detail(theirs.id)).json() == NOT_FOUND
    response = user_client.patch(detail(theirs.id), {"city": "Paris"}, format="json")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert user_client.delete(detail(theirs.id)).json() == NOT_FOUND
    theirs.refresh_from_db()
    assert theirs.city != "Paris"


def test_an_unknown_or_malformed_id_is_404(user_client):
    assert_error(user_client.get(detail(uuid.uuid4())), 404, "not_found")
    assert_error(user_client.get(detail("not-a-uuid")), 404, "not_found")


def test_patch_changes_only_the_given_fields(user_client, user):
    address = AddressFactory(user=user, city="Berlin", country="DE")
    response = user_client.patch(detail(address.id), {"city": "Hamburg"}, format="json")
    assert response.status_code == 200
    assert response.json()["city"] == "Hamburg"
    assert response.json()["country"] == "DE"
    address.refresh_from_db()
    assert (address.city, address.full_name) == ("Hamburg", address.full_name)


def test_patch_making_a_default_unsets_the_old_default(user_client, user):
    old = AddressFactory(user=user, is_default=True)
    new = AddressFactory(user=user)
    response = user_client.patch(detail(new.id), {"is_default": True}, format="json")
    assert response.json()["is_default"] is True
    old.refresh_from_db()
    assert old.is_default is False


def test_patch_moving_a_default_to_another_type_unsets_that_types_default(user_client, user):
    billing_default = AddressFactory(user=user, type="billing", is_default=True)
    shipping_default = AddressFactory(user=user, is_default=True)
    response = user_client.patch(detail(shipping_default.id), {"type": "billing"}, format="json")
    body = response.json()
    assert (body["type"], body["is_default"]) == ("billing", True)
    billing_default.refresh_from_db()
    assert billing_default.is_default is False


def test_patch_with_a_bad_country_is_400_and_changes_nothing(user_client, user):
    address = AddressFactory(user=user, country="US")
    assert_invalid_fields(
        user_client.patch(detail(address.id), {"country": "ZZ", "city": "X"}, format="json"),
        "country",
    )
    address.refresh_from_db()
    assert address.country == "US" and address.city != "X"


def test_delete_answers_204_and_the_address_is_gone(user_client, user):
    address = AddressFactory(user=user)
    response = user_client.delete(detail(address.id))
    assert response.status_code == 204
    assert not Address.objects.filter(id=address.id).exists()
    assert_error(user_client.get(detail(address.id)), 404, "not_found")


def test_page_size_is_capped_at_100(user_client, user):
    Address.objects.bulk_create(
        Address(user=user, full_name="A", address_line1="1 Way", city="C", country="US")
        for _ in range(101)
    )
    body = user_client.get(f"{URL}/", {"page_size": 1000}).json()
    assert body["count"] == 101 and len(body["results"]) == 100
    assert len(user_client.get(URL).json()["results"]) == 20
