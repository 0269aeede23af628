"""Email verification and password reset by emailed, single-use, expiring tokens.

Why a table of hashed tokens rather than a stateless signed token: a row can be spent
exactly once under concurrency (it is locked and marked used in the confirming
transaction), a new request voids the earlier link, an operator can see and revoke
outstanding tokens, and only a SHA-256 digest is stored, so a leaked database yields no
usable link. The token itself is 32 random bytes, so the digest needs no salt or slow hash.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.accounts.exceptions import InvalidToken
from apps.accounts.models import AccountToken, User
from apps.accounts.services.sessions import sessions_revoke_all
from apps.accounts.services.users import _validate_password
from apps.accounts.signals import PASSWORD_RESET_REQUESTED
from shop import events

Purpose = AccountToken.Purpose
# Ours are 43 characters (32 bytes, URL-safe base64); anything far longer is not one of them.
TOKEN_MAX_LENGTH = 200


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _max_age(purpose: str) -> timedelta:
    if purpose == Purpose.PASSWORD_RESET:
        return timedelta(seconds=settings.PASSWORD_RESET_MAX_AGE_SECONDS)
    return timedelta(seconds=settings.EMAIL_TOKEN_MAX_AGE_SECONDS)


def _token_issue(*, user: User, purpose: str) -> str:
    # One live token per (user, purpose): a new email voids the previous link.
    AccountToken.objects.filter(user=user, purpose=purpose).delete()
    raw = secrets.token_urlsafe(32)
    AccountToken.objects.create(
        user=user, purpose=purpose, token_hash=_digest(raw), email=user.email
    )
    return raw


def _token_consume(*, raw: str, purpose: str) -> AccountToken:
    """Lock the token's row, check it and mark it used; the caller holds the transaction."""
    if not isinstance(raw, str) or not raw or len(raw) > TOKEN_MAX_LENGTH:
        raise InvalidToken()
    token = (
        AccountToken.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(token_hash=_digest(raw), purpose=purpose)
        .first()
    )
    now = timezone.now()
    if (
        token is None
        or token.used_at is not None
        or now - token.created_at > _max_age(purpose)
        or not token.user.is_active
        or token.email != token.user.email
    ):
        raise InvalidToken()
    token.used_at = now
    token.save(update_fields=["used_at"])
    return token


def _link(path: str, raw: str) -> str:
    return f"{settings.FRONTEND_URL.rstrip('/')}/{path}?{urlencode({'token': raw})}"


@transaction.atomic
def email_verification_send(*, user_id: UUID | str) -> bool:
    """Email the user a fresh verification link (voiding earlier ones).

    Does nothing (returns False) for an unknown, inactive or already verified user, so a
    late or repeated `user.registered` delivery is harmless. A mail failure propagates (the
    event is retried) and rolls the new token back.
    """
    user = User.objects.filter(id=user_id, is_active=True, email_verified=False).first()
    if user is None:
        return False
    raw = _token_issue(user=user, purpose=Purpose.EMAIL_VERIFICATION)
    hours = settings.EMAIL_TOKEN_MAX_AGE_SECONDS // 3600
    send_mail(
        subject=f"Verify your email address for {settings.SHOP_NAME}",
        message=(
            f"Welcome to {settings.SHOP_NAME}!\n\n"
            f"Confirm your email address by opening this link:\n{_link('verify-email', raw)}\n\n"
            f"Or send this token to POST /api/v1/auth/verify-email:\n{raw}\n\n"
            f"The link works once and expires in {hours} hours."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


@transaction.atomic
def email_verify(*, token: str) -> None:
    """Mark the token's user as verified and spend the token.

    Raises InvalidToken when the token is unknown, tampered with, expired
    (`EMAIL_TOKEN_MAX_AGE_SECONDS`), already used, issued for an earlier email address or
    belongs to an inactive user.
    """
    spent = _token_consume(raw=token, purpose=Purpose.EMAIL_VERIFICATION)
    user = spent.user
    user.email_verified = True
    user.save(update_fields=["email_verified", "updated_at"])


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Publish `user.password_reset_requested` if an active user has this email (accounts'
    receiver then emails the reset link; a broker outage only delays it).

    Returns nothing and raises nothing either way, so callers cannot tell whether the email
    is registered.
    """
    user = (
        User.objects.filter(email=User.objects.normalize_email(email), is_active=True)
        .only("id")
        .first()
    )
    if user is not None:
        events.publish(PASSWORD_RESET_REQUESTED, {"user_id": str(user.id)})


@transaction.atomic
def password_reset_email_send(*, user_id: UUID | str) -> bool:
    """Email the user a fresh password-reset link (voiding earlier ones).

    Does nothing (returns False) for an unknown or inactive user. A mail failure propagates
    (the event is retried) and rolls the new token back.
    """
    user = User.objects.filter(id=user_id, is_active=True).first()
    if user is None:
        return False
    raw = _token_issue(user=user, purpose=Purpose.PASSWORD_RESET)
    minutes = settings.PASSWORD_RESET_MAX_AGE_SECONDS // 60
    send_mail(
        subject=f"Reset your {settings.SHOP_NAME} password",
        message=(
            "Someone asked to reset the password of this account.\n\n"
            f"Choose a new password here:\n{_link('reset-password', raw)}\n\n"
            f"Or send this token to POST /api/v1/auth/password-reset/confirm:\n{raw}\n\n"
            f"The link works once and expires in {minutes} minutes. If it was not you, "
            "ignore this email: your password stays as it is."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


@transaction.atomic
def password_reset_confirm(*, token: str, password: str) -> None:
    """Set a new password with a reset token, spend the token and sign out every session.

    Raises InvalidToken (bad, tampered, expired per `PASSWORD_RESET_MAX_AGE_SECONDS`, used)
    or InvalidInput on `password` when Django's validators reject it; in that case the
    token stays usable. Every live refresh token of the user is revoked. Because the link
    reached the mailbox, the email also counts as verified.
    """
    spent = _token_consume(raw=token, purpose=Purpose.PASSWORD_RESET)
    user = spent.user
    _validate_password(password, user=user, field="password")
    user.set_password(password)
    user.email_verified = True
    user.save(update_fields=["password", "email_verified", "updated_at"])
    sessions_revoke_all(user_id=user.id)
