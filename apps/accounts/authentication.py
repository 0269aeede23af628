"""JWT authentication that also refuses access tokens of revoked sessions."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's bearer authentication, plus: an access token issued before the user's
    `tokens_valid_after` (set when all sessions are revoked) is refused. Checked on the user
    row simplejwt loads anyway, so it costs no extra query."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        revoked_at = user.tokens_valid_after
        # `iat` has whole seconds: tokens of the revoking second itself are let through, so a
        # sign-in right after a password reset works (an older one of that second does too).
        if revoked_at is not None and validated_token.get("iat", 0) < int(revoked_at.timestamp()):
            raise AuthenticationFailed("This session was signed out.", code="token_revoked")
        return user


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documents our subclass in the OpenAPI schema as simplejwt's bearer scheme."""

    target_class = "apps.accounts.authentication.JWTAuthentication"
    name = "jwtAuth"
