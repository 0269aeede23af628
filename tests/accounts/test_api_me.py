"""GET/PATCH me and POST me/password."""

from __future__ import annotations

import pytest

from tests.accounts.errors import assert_error, assert_invalid_fields
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-secret-77"


def test_me_answers_the_profile(user_client, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # the user behind the token
        response = user_client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": "",
        "email_verified": False,
    }
    assert user_client.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer garbage", "Token abc"])
def test_me_without_a_valid_token_is_401(api_client, header):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)
    error = assert_error(api_client.get("/api/v1/me"), 401, "not_authenticated", {})
    # A plain sentence, not the repr of simplejwt's nested detail.
    assert "{" not in error["message"] and "ErrorDetail" not in error["message"]


def test_patch_me_changes_the_profile_fields(user_client, user):
    response = user_client.patch(
        "/api/v1/me",
        {"first_name": "Grace", "last_name": "Hopper", "phone": "+1 (555) 010-2030"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() | {"id": None} == {
        "id": None,
        "email": user.email,
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "+1 (555) 010-2030",
        "email_verified": False,
    }
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.phone) == ("Grace", "Hopper", "+1 (555) 010-2030")


def test_patch_me_ignores_privilege_fields(user_client, user):
    response = user_client.patch(
        "/api/v1/me", {"is_staff": True, "email_verified": True, "first_name": "X"}, format="json"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.is_staff, user.email_verified, user.first_name) == (False, False, "X")


def test_patch_me_refuses_a_new_email(user_client, user):
    response = user_client.patch("/api/v1/me", {"email": "other@example.com"}, format="json")
    assert_error(response, 400, "invalid", {"email": ["The email cannot be changed."]})
    user.refresh_from_db()
    assert user.email != "other@example.com"


def test_patch_me_accepts_the_unchanged_email(user_client, user):
    profile = user_client.get("/api/v1/me").json()
    response = user_client.patch("/api/v1/me", profile | {"first_name": "Same"}, format="json")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Same"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"phone": "call me"}, "phone"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_patch_me_with_bad_input_is_400_invalid(user_client, user, body, field):
    assert_invalid_fields(user_client.patch("/api/v1/me", body, format="json"), field)


def test_put_me_is_405(user_client):
    assert_error(user_client.put("/api/v1/me", {}, format="json"), 405, "method_not_allowed")


def change(client, old, new):
    return client.post(
        "/api/v1/me/password", {"old_password": old, "new_password": new}, format="json"
    )


def test_password_change_answers_204_and_the_new_password_signs_in(user_client, user, api_client):
    response = change(user_client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 204, response.content
    assert response.content == b""
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    login = {"email": user.email, "password": NEW_PASSWORD}
    assert api_client.post("/api/v1/auth/login", login, format="json").status_code == 200


def test_password_change_with_a_wrong_old_password_is_400_invalid(user_client, user):
    response = change(user_client, "not-my-password", NEW_PASSWORD)
    assert_error(response, 400, "invalid", {"old_password": ["The current password is incorrect."]})
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_to_a_weak_password_is_400_invalid(user_client, user):
    assert_invalid_fields(change(user_client, PASSWORD, "1234"), "new_password")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_with_missing_fields_is_400_invalid(user_client):
    assert_invalid_fields(
        user_client.post("/api/v1/me/password", {}, format="json"),
        "old_password",
        "new_password",
    )


def test_password_change_needs_a_signed_in_user(api_client):
    assert_error(change(api_client, PASSWORD, NEW_PASSWORD), 401, "not_authenticated")
