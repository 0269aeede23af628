"""Sessions: JWT login, rotation of refresh tokens, logout and revocation.

Refresh tokens are tracked by simplejwt's token_blacklist tables (one OutstandingToken per
issued refresh token). Rotation and logout lock the token's row and blacklist it in the same
transaction, so a refresh token is spent exactly once even when two requests race with it.
Revoking every session (a password change or reset) blacklists the live refresh tokens AND
sets the user's `tokens_valid_after`: a refresh token issued before that instant is refused
even if it escaped the blacklist (e.g. rotated by a request that raced with the revocation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.exceptions import InvalidCredentials, InvalidRefreshToken
from apps.accounts.models import User
from apps.accounts.signals import user_signed_in

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


@dataclass(frozen=True)
class LoginResult:
    access: str
    refresh: str
    user: User


def _issue(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)  # also records the OutstandingToken row
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def session_login(*, email: str, password: str, cart_token: str | None = None) -> LoginResult:
    """Check the credentials and issue an access and a refresh token.

    Raises InvalidCredentials alike for an unknown email, a wrong password and an inactive
    user; Django's ModelBackend hashes the password for unknown emails too, so the answer
    time does not reveal which emails exist. On success sends `user_signed_in` (user_id,
    cart_token); a failing receiver is logged and does not fail the login.
    """
    user = authenticate(request=None, email=User.objects.normalize_email(email), password=password)
    if user is None:
        raise InvalidCredentials()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    pair = _issue(user)
    for receiver, result in user_signed_in.send_robust(
        sender=User, user_id=user.id, cart_token=cart_token or None
    ):
        if isinstance(result, Exception):
            logger.error(
                "user_signed_in receiver %r failed",
                receiver,
                exc_info=(type(result), result, result.__traceback__),
            )
    return LoginResult(access=pair.access, refresh=pair.refresh, user=user)


def _spend(raw: str) -> OutstandingToken:
    """Verify a refresh token and blacklist it; the caller holds the transaction."""
    try:
        token = RefreshToken(raw)
    except TokenError:
        raise InvalidRefreshToken()
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(jti=token[jwt_settings.JTI_CLAIM])
        .first()
    )
    if outstanding is None or outstanding.user is None:
        raise InvalidRefreshToken()
    if _issued_before_revocation(outstanding, token):
        raise InvalidRefreshToken()
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        # Already blacklisted: spent by an earlier rotation, a logout or a password reset.
        raise InvalidRefreshToken()
    return outstanding


def _issued_before_revocation(outstanding: OutstandingToken, token: RefreshToken) -> bool:
    revoked_at = outstanding.user.tokens_valid_after
    if revoked_at is None:
        return False
    # The row's time has microseconds (the `iat` claim only whole seconds), so a token
    # issued just before a revocation in the same second is refused too.
    if outstanding.created_at is not None:
        return outstanding.created_at < revoked_at
    return token.get("iat", 0) < int(revoked_at.timestamp())


@transaction.atomic
def session_refresh(*, refresh: str) -> TokenPair:
    """Rotate: spend the refresh token and issue a new pair.

    Raises InvalidRefreshToken when the token is malformed, expired, already spent or
    revoked, issued before the user's `tokens_valid_after` (every session was revoked since),
    or its user is gone or inactive.
    """
    outstanding = _spend(refresh)
    if not outstanding.user.is_active:
        raise InvalidRefreshToken()
    return _issue(outstanding.user)


@transaction.atomic
def session_logout(*, refresh: str) -> None:
    """Revoke the refresh token (access tokens expire on their own within minutes).

    Raises InvalidRefreshToken when the token is not a live refresh token.
    """
    _spend(refresh)


def sessions_revoke_all(*, user_id: UUID) -> int:
    """Sign the user out everywhere: blacklist every live refresh token and refuse every
    access token issued so far (JWTAuthentication checks `tokens_valid_after`). Returns how
    many refresh tokens were revoked."""
    User.objects.filter(id=user_id).update(tokens_valid_after=timezone.now())
    live = OutstandingToken.objects.filter(
        user_id=user_id, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    rows = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(rows)
