from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from rest_framework.test import APIClient

from apps.accounts.signals import user_signed_in
from tests.accounts.errors import assert_error, assert_invalid_fields
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import UNTHROTTLED

URL = "/api/v1/auth/login"
pytestmark = pytest.mark.django_db

BAD_CREDENTIALS = {
    "error": {
        "code": "invalid_credentials",
        "message": "The email or password is incorrect.",
        "details": {},
    }
}


def login(client, email, password=PASSWORD, **extra):
    return client.post(URL, {"email": email, "password": password}, format="json", **extra)


def test_login_answers_tokens_and_the_profile(api_client, user):
    response = login(api_client, user.email)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"] == {
        "id": str(user.id),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": "",
        "email_verified": False,
    }
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.get("/api/v1/me").json()["id"] == str(user.id)
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_ignores_the_email_letter_case_and_spaces(api_client, user):
    assert login(api_client, f"  {user.email.upper()} ").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_401(api_client, user):
    wrong = login(api_client, user.email, "not-the-password-1")
    unknown = login(api_client, "nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == BAD_CREDENTIALS


def test_inactive_user_gets_the_same_401(api_client):
    inactive = UserFactory(is_active=False)
    assert login(api_client, inactive.email).json() == BAD_CREDENTIALS


def test_malformed_email_is_just_bad_credentials(api_client):
    assert login(api_client, "not-an-email").json() == BAD_CREDENTIALS


def test_missing_fields_are_400_invalid(api_client):
    response = api_client.post(URL, {"email": "a@example.com"}, format="json")
    assert_error(response, 400, "invalid", {"password": ["This field is required."]})
    assert_invalid_fields(api_client.post(URL, {}, format="json"), "email", "password")


def test_a_stale_bearer_header_does_not_block_login(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert login(api_client, user.email).status_code == 200


class CountingHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds that counts how often a password is hashed."""

    algorithm = "counting_pbkdf2"
    iterations = 1000
    calls = 0

    def encode(self, password, salt, iterations=None):
        CountingHasher.calls += 1
        return super().encode(password, salt, iterations)


def test_unknown_email_costs_a_password_hash_like_a_known_one(api_client, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    known = UserFactory()
    CountingHasher.calls = 0
    login(api_client, known.email, "wrong-password-1")
    hashes_for_known = CountingHasher.calls
    CountingHasher.calls = 0
    login(api_client, "nobody@example.com", "wrong-password-1")
    assert hashes_for_known == 1
    assert CountingHasher.calls == hashes_for_known


def test_user_signed_in_is_sent_with_the_user_id_and_cart_token(api_client, user):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    user_signed_in.connect(receiver)
    try:
        login(api_client, user.email, HTTP_X_CART_TOKEN="anon-cart-123")
        login(api_client, user.email)
        login(api_client, user.email, "wrong-password-1")
    finally:
        user_signed_in.disconnect(receiver)

    assert [(r["user_id"], r["cart_token"]) for r in received] == [
        (user.id, "anon-cart-123"),
        (user.id, None),
    ]
    assert isinstance(received[0]["user_id"], uuid.UUID)


def test_a_failing_receiver_does_not_fail_the_login(api_client, user):
    def broken(sender, **kwargs):
        raise RuntimeError("cart is down")

    user_signed_in.connect(broken)
    try:
        response = login(api_client, user.email)
    finally:
        user_signed_in.disconnect(broken)
    assert response.status_code == 200


def test_the_11th_attempt_from_one_address_in_a_minute_is_429(api_client, settings):
    settings.THROTTLE_RATES = {**UNTHROTTLED, "login": "10/min"}
    for n in range(10):
        assert login(api_client, f"guess{n}@example.com").status_code == 401
    response = login(api_client, "guess10@example.com")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    # Another client address is not held back by this one.
    other = login(APIClient(REMOTE_ADDR="10.0.0.2"), "guess11@example.com")
    assert other.status_code == 401


def test_the_11th_attempt_on_one_email_from_many_addresses_is_429(settings, user):
    settings.THROTTLE_RATES = {**UNTHROTTLED, "login": "10/min"}
    for n in range(10):
        client = APIClient(REMOTE_ADDR=f"10.0.1.{n}")
        assert login(client, user.email, "wrong-password-1").status_code == 401
    response = login(APIClient(REMOTE_ADDR="10.0.1.99"), user.email.upper())
    assert_error(response, 429, "throttled")
    # Another account from a fresh address still gets through.
    other_user = UserFactory()
    assert login(APIClient(REMOTE_ADDR="10.0.1.100"), other_user.email).status_code == 200
