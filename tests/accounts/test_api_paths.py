"""Every accounts path answers with and without a trailing slash, never with a redirect."""

from __future__ import annotations

import pytest

from tests.accounts.errors import assert_invalid_fields

pytestmark = pytest.mark.django_db

POSTS = {
    "auth/register": ("email", "password"),
    "auth/login": ("email", "password"),
    "auth/refresh": ("refresh",),
    "auth/logout": ("refresh",),
    "auth/verify-email": ("token",),
    "auth/password-reset": ("email",),
    "auth/password-reset/confirm": ("token", "password"),
    "me/password": ("old_password", "new_password"),
}


@pytest.mark.parametrize("slash", ["", "/"])
@pytest.mark.parametrize("path", sorted(POSTS))
def test_posting_an_empty_body_names_the_missing_fields(user_client, path, slash):
    response = user_client.post(f"/api/v1/{path}{slash}", {}, format="json")
    assert_invalid_fields(response, *POSTS[path])


@pytest.mark.parametrize("path", ["me", "me/", "me/addresses", "me/addresses/"])
def test_reads_answer_with_and_without_a_slash(user_client, path):
    assert user_client.get(f"/api/v1/{path}").status_code == 200
