"""The admin works with the email-login user: list, search, filters, add and change."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from tests.accounts.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_user_changelist_searches_by_email_and_filters(admin_client):
    UserFactory(email="findme@example.com", email_verified=True)
    UserFactory(email="other@example.com")
    response = admin_client.get("/admin/accounts/user/", {"q": "findme"})
    assert response.status_code == 200
    assert b"findme@example.com" in response.content
    assert b"other@example.com" not in response.content
    for params in (
        {"is_staff__exact": "1"},
        {"is_active__exact": "0"},
        {"email_verified__exact": "1"},
    ):
        assert admin_client.get("/admin/accounts/user/", params).status_code == 200
    verified = admin_client.get("/admin/accounts/user/", {"email_verified__exact": "1"})
    assert b"findme@example.com" in verified.content
    assert b"other@example.com" not in verified.content


def test_admin_adds_a_user_with_an_email_and_password(admin_client):
    assert admin_client.get("/admin/accounts/user/add/").status_code == 200
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Staffer@Example.com",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(email="staffer@example.com")
    assert created.check_password(PASSWORD)


def test_admin_refuses_a_duplicate_email_in_another_case(admin_client):
    UserFactory(email="taken@example.com")
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "TAKEN@example.com",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_admin_changes_a_user(admin_client):
    user = UserFactory()
    AddressFactory(user=user)
    url = f"/admin/accounts/user/{user.id}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    response = admin_client.post(
        url,
        {
            "email": user.email,
            "first_name": "Changed",
            "last_name": user.last_name,
            "phone": "",
            "email_verified": "on",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    user.refresh_from_db()
    assert (user.first_name, user.email_verified) == ("Changed", True)


def test_address_admin_lists_and_searches_by_owner_email(admin_client):
    address = AddressFactory(user=UserFactory(email="owner@example.com"))
    response = admin_client.get("/admin/accounts/address/", {"q": "owner@"})
    assert response.status_code == 200
    assert address.full_name.encode() in response.content
    assert admin_client.get(f"/admin/accounts/address/{address.id}/change/").status_code == 200


# --- the admin's sign-in is throttled like the API's login ----------------------------------


def admin_sign_in(client, email, password="wrong-password", address="10.1.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_admin_sign_in_works_and_wrong_passwords_are_throttled_per_email(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "3/min"}
    staff = UserFactory(is_staff=True)
    assert admin_sign_in(client, staff.email, PASSWORD).status_code == 302  # signed in
    client.logout()
    # Guesses from three addresses at one account: the per-email budget stops the third.
    statuses = [
        admin_sign_in(client, staff.email, address=f"10.1.1.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]  # the form again (wrong password), then refused
    refused = admin_sign_in(client, staff.email, PASSWORD, address="10.1.2.1")
    assert refused.status_code == 429  # even the right password, until the window passes
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_admin_sign_in_is_throttled_per_address_and_shares_the_apis_counters(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "3/min"}
    api = client.post(
        "/api/v1/auth/login",
        {"email": "nobody@example.com", "password": "x"},
        content_type="application/json",
        REMOTE_ADDR="10.2.0.1",
    )
    assert api.status_code == 401
    statuses = [
        admin_sign_in(client, f"guess{n}@example.com", address="10.2.0.1").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
