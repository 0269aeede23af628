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


# --- sessions that end: a password change signs out every other session ---------------------


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def change_password(client, new="a-brand-new-secret-77"):
    return client.post(
        "/api/v1/me/password", {"old_password": PASSWORD, "new_password": new}, format="json"
    )


def test_a_password_change_revokes_every_session_and_the_caller_signs_in_again(api_client, user):
    phone, laptop = tokens(api_client, user), tokens(api_client, user)
    new = "a-brand-new-secret-77"
    assert change_password(bearer(phone["access"]), new).status_code == 204
    # Every refresh token from before is revoked: the laptop's and the caller's own.
    assert_error(refresh(api_client, laptop["refresh"]), 401, "not_authenticated")
    assert_error(refresh(api_client, phone["refresh"]), 401, "not_authenticated")
    # The caller signs in again with the new password, and that session works.
    login = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": new}, format="json"
    )
    assert login.status_code == 200, login.content
    fresh = login.json()
    assert bearer(fresh["access"]).get("/api/v1/me").status_code == 200
    assert refresh(api_client, fresh["refresh"]).status_code == 200


def test_access_tokens_issued_before_a_password_change_are_refused(api_client, user):
    earlier = RefreshToken.for_user(user).access_token
    earlier.set_iat(at_time=earlier.current_time - timedelta(seconds=5))
    assert bearer(str(earlier)).get("/api/v1/me").status_code == 200
    assert change_password(bearer(str(earlier))).status_code == 204
    assert_error(bearer(str(earlier)).get("/api/v1/me"), 401, "not_authenticated")
    fresh = RefreshToken.for_user(user).access_token  # a sign-in after the change
    assert bearer(str(fresh)).get("/api/v1/me").status_code == 200


def test_refresh_refuses_a_token_issued_before_tokens_valid_after(api_client, user):
    """Even a refresh token that escaped the blacklist (say, rotated by a request that raced
    with the revocation) is refused once it predates tokens_valid_after."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    from apps.accounts.services import sessions_revoke_all

    before = tokens(api_client, user)["refresh"]
    sessions_revoke_all(user_id=user.id)
    BlacklistedToken.objects.filter(token__user=user).delete()  # the escape
    assert_error(refresh(api_client, before), 401, "not_authenticated")
    after = tokens(api_client, user)["refresh"]  # a sign-in after the revocation works
    assert refresh(api_client, after).status_code == 200


def test_password_change_is_throttled_like_login_per_address_and_per_account(
    api_client, user, settings
):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "2/min"}
    client = bearer(str(RefreshToken.for_user(user).access_token))
    wrong = {"old_password": "not-it", "new_password": "a-brand-new-secret-77"}
    statuses = [
        client.post("/api/v1/me/password", wrong, format="json", REMOTE_ADDR=f"10.0.0.{n}")
        for n in range(3)
    ]
    # Three addresses, one account: the per-account budget (2/min) stops the third.
    assert [r.status_code for r in statuses] == [400, 400, 429]
    assert_error(statuses[-1], 429, "throttled")
    # One address, three accounts: the per-address budget stops the third.
    same_address = [
        bearer(str(RefreshToken.for_user(UserFactory()).access_token)).post(
            "/api/v1/me/password", wrong, format="json", REMOTE_ADDR="10.0.0.9"
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in same_address] == [400, 400, 429]
