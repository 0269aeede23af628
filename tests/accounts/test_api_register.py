from __future__ import annotations

import pytest

from apps.accounts.models import User
from tests.accounts.errors import assert_error, assert_invalid_fields
from tests.accounts.factories import PASSWORD, UserFactory

URL = "/api/v1/auth/register"
pytestmark = pytest.mark.django_db


def register(api_client, **body):
    payload = {"email": "New.Person@Example.com", "password": PASSWORD, **body}
    return api_client.post(URL, payload, format="json")


def test_register_answers_201_with_the_profile_and_stores_a_lowercased_email(
    api_client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client, first_name="Ada", last_name="Lovelace")

    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {
        "id": str(user.id),
        "email": "new.person@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "",
        "email_verified": False,
    }
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.is_superuser


def test_register_sends_the_verification_email_after_commit(
    api_client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        register(api_client)
    assert mailoutbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.person@example.com"]
    assert "verify" in mailoutbox[0].subject.lower()


def test_register_accepts_the_trailing_slash_variant(api_client):
    response = api_client.post(URL + "/", {"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 201


def test_register_ignores_privilege_fields(api_client):
    response = register(
        api_client, is_staff=True, is_superuser=True, is_active=False, email_verified=True
    )
    assert response.status_code == 201
    assert response.json()["email_verified"] is False
    user = User.objects.get()
    assert (user.is_staff, user.is_superuser, user.is_active, user.email_verified) == (
        False,
        False,
        True,
        False,
    )


def test_duplicate_email_in_another_letter_case_is_400_invalid(api_client):
    UserFactory(email="taken@example.com")
    response = register(api_client, email="TAKEN@Example.COM")
    assert_error(response, 400, "invalid", {"email": ["A user with this email already exists."]})
    assert User.objects.count() == 1


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com"])
def test_malformed_email_is_400_invalid(api_client, email):
    assert_invalid_fields(register(api_client, email=email), "email")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901", "new.person@example.com"],
    ids=["too-short", "common", "numeric", "like-the-email"],
)
def test_weak_password_is_400_invalid_with_the_validators_messages(api_client, password):
    error = assert_invalid_fields(register(api_client, password=password), "password")
    assert error["message"] == "Invalid input."
    assert not User.objects.exists()


def test_missing_fields_are_400_invalid_naming_each(api_client):
    response = api_client.post(URL, {}, format="json")
    assert_error(
        response,
        400,
        "invalid",
        {"email": ["This field is required."], "password": ["This field is required."]},
    )


def test_malformed_json_is_400_invalid(api_client):
    response = api_client.post(URL, "{not json", content_type="application/json")
    assert_error(response, 400, "invalid")


def test_get_is_405_method_not_allowed(api_client):
    assert_error(api_client.get(URL), 405, "method_not_allowed")
