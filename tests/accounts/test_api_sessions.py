"""auth/refresh (rotation) and auth/logout (revocation)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.services import session_refresh
from tests.accounts.errors import assert_error, assert_invalid_fields
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def tokens(client, user):
    response = client.post(
        "/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def refresh(client, token):
    return client.post("/api/v1/auth/refresh", {"refresh": token}, format="json")


def logout(client, token):
    return client.post("/api/v1/auth/logout", {"refresh": token}, format="json")


def test_refresh_rotates_and_the_new_tokens_work(api_client, user):
    first = tokens(api_client, user)
    response = refresh(api_client, first["refresh"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != first["refresh"]
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.get("/api/v1/me").status_code == 200
    assert refresh(api_client, body["refresh"]).status_code == 200


def test_the_old_refresh_token_is_spent_after_rotation(api_client, user):
    first = tokens(api_client, user)
    assert refresh(api_client, first["refresh"]).status_code == 200
    assert_error(refresh(api_client, first["refresh"]), 401, "not_authenticated")


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""], ids=["garbage", "three-dots", "empty"])
def test_a_malformed_refresh_token_is_401_or_400(api_client, token):
    response = refresh(api_client, token)
    if token:
        assert_error(response, 401, "not_authenticated", {})
    else:
        assert_invalid_fields(response, "refresh")


def test_a_tampered_refresh_token_is_401(api_client, user):
    good = tokens(api_client, user)["refresh"]
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert_error(refresh(api_client, tampered), 401, "not_authenticated")


def test_an_expired_refresh_token_is_401(api_client, user):
    token = RefreshToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_error(refresh(api_client, str(token)), 401, "not_authenticated")


def test_an_access_token_is_not_a_refresh_token(api_client, user):
    access = tokens(api_client, user)["access"]
    assert_error(refresh(api_client, access), 401, "not_authenticated")


def test_refresh_for_a_deactivated_user_is_401(api_client, user):
    token = tokens(api_client, user)["refresh"]
    user.is_active = False
    user.save()
    assert_error(refresh(api_client, token), 401, "not_authenticated")


def test_missing_refresh_field_is_400(api_client):
    assert_error(
        api_client.post("/api/v1/auth/refresh", {}, format="json"),
        400,
        "invalid",
        {"refresh": ["This field is required."]},
    )


def test_logout_answers_204_and_the_refresh_token_no_longer_works(api_client, user):
    token = tokens(api_client, user)["refresh"]
    response = logout(api_client, token)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(refresh(api_client, token), 401, "not_authenticated")


def test_logout_leaves_the_users_other_sessions_alone(api_client, user):
    phone = tokens(api_client, user)["refresh"]
    laptop = tokens(api_client, user)["refresh"]
    assert logout(api_client, phone).status_code == 204
    assert refresh(api_client, laptop).status_code == 200


def test_logout_with_a_spent_or_bad_token_is_401(api_client, user):
    token = tokens(api_client, user)["refresh"]
    assert logout(api_client, token).status_code == 204
    assert_error(logout(api_client, token), 401, "not_authenticated")
    assert_error(logout(api_client, "garbage"), 401, "not_authenticated")


def test_logout_without_the_field_is_400(api_client):
    assert_invalid_fields(api_client.post("/api/v1/auth/logout", {}, format="json"), "refresh")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_of_one_token_let_exactly_one_through():
    user = UserFactory()
    token = str(RefreshToken.for_user(user))
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            session_refresh(refresh=token)
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["InvalidRefreshToken", "ok"]
