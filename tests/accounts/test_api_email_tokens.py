"""auth/verify-email, auth/password-reset and auth/password-reset/confirm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import AccountToken
from tests.accounts.emails import token_from
from tests.accounts.errors import assert_error, assert_invalid_fields
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-secret-77"
INVALID_TOKEN = {
    "error": {
        "code": "invalid_token",
        "message": "The token is invalid, expired or already used.",
        "details": {},
    }
}


def backdate(seconds: int) -> None:
    """Move the clock forward for every issued token, as if `seconds` had passed."""
    for token in AccountToken.objects.all():
        token.created_at -= timedelta(seconds=seconds)
        token.save(update_fields=["created_at"])


# --- email verification -----------------------------------------------------------------


@pytest.fixture
def registered(api_client, django_capture_on_commit_callbacks, mailoutbox):
    """A freshly registered user and the token from their verification email."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register",
            {"email": "fresh@example.com", "password": PASSWORD},
            format="json",
        )
    assert response.status_code == 201
    assert len(mailoutbox) == 1
    return response.json(), token_from(mailoutbox[0])


def verify(client, token):
    return client.post("/api/v1/auth/verify-email", {"token": token}, format="json")


def test_verification_email_link_verifies_the_user(api_client, registered):
    profile, token = registered
    response = verify(api_client, token)
    assert response.status_code == 204
    login = api_client.post(
        "/api/v1/auth/login", {"email": profile["email"], "password": PASSWORD}, format="json"
    )
    assert login.json()["user"]["email_verified"] is True


def test_verification_token_is_single_use(api_client, registered):
    _, token = registered
    assert verify(api_client, token).status_code == 204
    response = verify(api_client, token)
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN


def test_tampered_verification_token_is_400_invalid_token(api_client, registered):
    _, token = registered
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert verify(api_client, tampered).json() == INVALID_TOKEN
    assert verify(api_client, "nonsense").json() == INVALID_TOKEN


def test_expired_verification_token_is_400_invalid_token(api_client, registered, settings):
    _, token = registered
    settings.EMAIL_TOKEN_MAX_AGE_SECONDS = 60
    backdate(61)
    assert_error(verify(api_client, token), 400, "invalid_token", {})


def test_verification_token_within_its_age_still_works(api_client, registered, settings):
    _, token = registered
    settings.EMAIL_TOKEN_MAX_AGE_SECONDS = 60
    backdate(55)
    assert verify(api_client, token).status_code == 204


def test_a_reset_token_does_not_verify_an_email(
    api_client, user, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/auth/password-reset", {"email": user.email}, format="json")
    assert verify(api_client, token_from(mailoutbox[0])).json() == INVALID_TOKEN


def test_verify_email_without_a_token_is_400_invalid(api_client):
    assert_error(
        api_client.post("/api/v1/auth/verify-email", {}, format="json"),
        400,
        "invalid",
        {"token": ["This field is required."]},
    )


# --- password reset -----------------------------------------------------------------------


def request_reset(client, email):
    return client.post("/api/v1/auth/password-reset", {"email": email}, format="json")


def confirm(client, token, password=NEW_PASSWORD):
    return client.post(
        "/api/v1/auth/password-reset/confirm",
        {"token": token, "password": password},
        format="json",
    )


def login_status(client, email, password):
    return client.post(
        "/api/v1/auth/login", {"email": email, "password": password}, format="json"
    ).status_code


@pytest.fixture
def reset_token(api_client, user, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_reset(api_client, user.email.upper())
    assert response.status_code == 202
    assert len(mailoutbox) == 1
    return token_from(mailoutbox[0])


def test_password_reset_emails_a_link_whose_subject_says_password(
    api_client, user, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_reset(api_client, user.email)
    assert response.status_code == 202
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert "password" in mailoutbox[0].subject.lower()


def test_password_reset_for_an_unknown_email_answers_202_and_sends_nothing(
    api_client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_reset(api_client, "nobody@example.com")
    assert response.status_code == 202
    assert mailoutbox == []


def test_password_reset_for_an_inactive_user_sends_nothing(
    api_client, django_capture_on_commit_callbacks, mailoutbox
):
    inactive = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert request_reset(api_client, inactive.email).status_code == 202
    assert mailoutbox == []


def test_password_reset_with_a_malformed_or_missing_email_is_400(api_client):
    assert_invalid_fields(request_reset(api_client, "not-an-email"), "email")
    assert_invalid_fields(
        api_client.post("/api/v1/auth/password-reset", {}, format="json"), "email"
    )


def test_confirm_sets_the_password(api_client, user, reset_token):
    assert confirm(api_client, reset_token).status_code == 204
    assert login_status(api_client, user.email, NEW_PASSWORD) == 200
    assert login_status(api_client, user.email, PASSWORD) == 401
    user.refresh_from_db()
    assert user.email_verified is True  # the link reached the mailbox


def test_confirm_signs_out_every_session(api_client, user, reset_token):
    sessions = [str(RefreshToken.for_user(user)) for _ in range(2)]
    assert confirm(api_client, reset_token).status_code == 204
    for refresh in sessions:
        response = api_client.post("/api/v1/auth/refresh", {"refresh": refresh}, format="json")
        assert_error(response, 401, "not_authenticated")


def test_confirm_also_refuses_access_tokens_issued_before_it(api_client, user, reset_token):
    old_access = RefreshToken.for_user(user).access_token
    old_access.set_iat(at_time=timezone.now() - timedelta(seconds=5))
    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {old_access}")
    assert me.status_code == 200
    assert confirm(api_client, reset_token).status_code == 204

    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {old_access}")
    assert_error(me, 401, "not_authenticated")
    # Signing in again right away works (same second as the reset included).
    login = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": NEW_PASSWORD}, format="json"
    )
    assert login.status_code == 200
    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    assert me.status_code == 200


def test_reset_token_is_single_use(api_client, user, reset_token):
    assert confirm(api_client, reset_token).status_code == 204
    response = confirm(api_client, reset_token, "yet-another-secret-88")
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN
    assert login_status(api_client, user.email, NEW_PASSWORD) == 200


def test_tampered_reset_token_is_400_invalid_token(api_client, user, reset_token):
    tampered = reset_token[:-2] + ("AA" if not reset_token.endswith("AA") else "BB")
    assert confirm(api_client, tampered).json() == INVALID_TOKEN
    assert login_status(api_client, user.email, PASSWORD) == 200


def test_expired_reset_token_is_400_invalid_token(api_client, user, reset_token, settings):
    settings.PASSWORD_RESET_MAX_AGE_SECONDS = 600
    backdate(601)
    assert confirm(api_client, reset_token).json() == INVALID_TOKEN
    assert login_status(api_client, user.email, PASSWORD) == 200


def test_a_newer_reset_email_voids_the_older_link(
    api_client, user, reset_token, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(api_client, user.email)
    newer = token_from(mailoutbox[-1])
    assert confirm(api_client, reset_token).json() == INVALID_TOKEN
    assert confirm(api_client, newer).status_code == 204


def test_a_verification_token_does_not_reset_a_password(api_client, registered):
    _, token = registered
    assert confirm(api_client, token).json() == INVALID_TOKEN


def test_weak_password_on_confirm_is_400_invalid_and_keeps_the_token(api_client, user, reset_token):
    assert_invalid_fields(confirm(api_client, reset_token, "12345"), "password")
    assert login_status(api_client, user.email, PASSWORD) == 200
    assert confirm(api_client, reset_token).status_code == 204


def test_confirm_with_missing_fields_is_400_invalid(api_client):
    assert_invalid_fields(
        api_client.post("/api/v1/auth/password-reset/confirm", {}, format="json"),
        "token",
        "password",
    )


def test_only_a_digest_of_the_token_is_stored(reset_token):
    stored = AccountToken.objects.get()
    assert reset_token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_password_reset_requests_for_one_email_are_throttled(settings, user, mailoutbox):
    from rest_framework.test import APIClient

    from tests.conftest import UNTHROTTLED

    settings.THROTTLE_RATES = {**UNTHROTTLED, "login": "10/min"}
    for n in range(10):
        client = APIClient(REMOTE_ADDR=f"10.0.2.{n}")
        assert request_reset(client, user.email).status_code == 202
    response = request_reset(APIClient(REMOTE_ADDR="10.0.2.99"), user.email)
    assert_error(response, 429, "throttled")


@pytest.mark.parametrize("token", ["x" * 201, "x" * 5000, 12345])
def test_a_token_that_cannot_be_ours_is_invalid_token_not_invalid(api_client, token):
    assert verify(api_client, token).json() == INVALID_TOKEN
    assert confirm(api_client, token, NEW_PASSWORD).json() == INVALID_TOKEN
