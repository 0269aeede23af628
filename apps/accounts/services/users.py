"""Users: registration, profile, password change, and the read model other apps use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.exceptions import UserNotFound
from apps.accounts.models import User
from apps.accounts.services.sessions import sessions_revoke_all
from apps.accounts.signals import USER_REGISTERED
from shop import events
from shop.errors import InvalidInput

DUPLICATE_EMAIL_MESSAGE = "A user with this email already exists."


@dataclass(frozen=True)
class UserInfo:
    """A user as other apps see it."""

    id: UUID
    email: str
    first_name: str
    last_name: str
    is_staff: bool

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _user_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        is_staff=user.is_staff,
    )


def user_get(user_id: UUID | str) -> UserInfo:
    """The user with this id (active or not). Raises UserNotFound for an unknown id."""
    try:
        user = User.objects.get(id=user_id)
    except (User.DoesNotExist, ValidationError, ValueError):
        raise UserNotFound()
    return _user_info(user)


def users_get(user_ids: Iterable[UUID | str]) -> dict[UUID, UserInfo]:
    """Users by id in one query; unknown ids are simply absent from the result."""
    ids = {UUID(str(user_id)) for user_id in user_ids}
    if not ids:
        return {}
    return {user.id: _user_info(user) for user in User.objects.filter(id__in=ids)}


def _validate_password(password: str, *, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidInput(details={field: list(exc.messages)})


@transaction.atomic
def user_register(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create a customer account and publish `user.registered` in the same transaction
    (accounts' receiver sends the verification email; a broker outage only delays it).

    The email is stored lower-cased; an address already registered in any letter case, or a
    password Django's validators reject, raises InvalidInput (details name the field).
    Privileges are never set here: new users are neither staff nor verified.
    """
    email = User.objects.normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(details={"email": [DUPLICATE_EMAIL_MESSAGE]})
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    _validate_password(password, user=candidate, field="password")
    try:
        # A savepoint, so a concurrent registration's unique violation leaves our
        # transaction usable for the error answer.
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
    except IntegrityError:
        raise InvalidInput(details={"email": [DUPLICATE_EMAIL_MESSAGE]})
    events.publish(USER_REGISTERED, {"user_id": str(user.id)})
    return user


_PROFILE_FIELDS = ("first_name", "last_name", "phone")


@transaction.atomic
def user_profile_update(*, user: User, data: dict[str, Any]) -> User:
    """Change the profile fields first_name, last_name, phone; other keys are ignored.

    The email cannot be changed here (it is the login and verified separately): an `email`
    different from the current one raises InvalidInput; the same one is accepted, so clients
    may send back the profile they read.
    """
    if "email" in data and User.objects.normalize_email(data["email"]) != user.email:
        raise InvalidInput(details={"email": ["The email cannot be changed."]})
    changed = [field for field in _PROFILE_FIELDS if field in data]
    for field in changed:
        setattr(user, field, data[field])
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    return user


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Set a new password after checking the current one and sign out every session (refresh
    tokens revoked, earlier access tokens refused): whoever knew the old password is out, and
    the caller signs in again with the new one.

    Raises InvalidInput on `old_password` when it is wrong and on `new_password` when
    Django's password validators reject it; nothing changes in either case.
    """
    if not user.check_password(old_password):
        raise InvalidInput(details={"old_password": ["The current password is incorrect."]})
    _validate_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    sessions_revoke_all(user_id=user.id)
