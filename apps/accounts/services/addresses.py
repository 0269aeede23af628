"""The address book: at most one default address per (user, type)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from apps.accounts.exceptions import AddressNotFound
from apps.accounts.models import Address, User
from shop.errors import InvalidInput

ADDRESS_FIELDS = (
    "type",
    "is_default",
    "full_name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
)


@dataclass(frozen=True)
class AddressInfo:
    """An address as other apps see it (checkout snapshots it into the order)."""

    id: UUID
    user_id: UUID
    type: str
    is_default: bool
    full_name: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    phone: str


def _info(address: Address) -> AddressInfo:
    return AddressInfo(
        id=address.id,
        user_id=address.user_id,
        type=address.type,
        is_default=address.is_default,
        full_name=address.full_name,
        address_line1=address.address_line1,
        address_line2=address.address_line2,
        city=address.city,
        state=address.state,
        postal_code=address.postal_code,
        country=str(address.country.code),
        phone=address.phone,
    )


def _own(*, user_id: UUID | str, address_id: UUID | str, lock: bool = False) -> Address:
    rows = Address.objects.filter(id=address_id, user_id=user_id)
    if lock:
        rows = rows.select_for_update()
    try:
        return rows.get()
    except (Address.DoesNotExist, ValidationError, ValueError):
        # Another user's address is indistinguishable from a missing one.
        raise AddressNotFound()


def address_list(*, user_id: UUID | str) -> QuerySet[Address]:
    """The user's addresses, newest first (for accounts' own API and admin)."""
    return Address.objects.filter(user_id=user_id).order_by("-created_at", "id")


def address_get(user_id: UUID | str, address_id: UUID | str) -> AddressInfo:
    """The user's address. Raises AddressNotFound when unknown or another user's.

    Checkout calls it with the id a client sent, so ownership is part of the lookup.
    """
    return _info(_own(user_id=user_id, address_id=address_id))


def address_default_get(user_id: UUID | str, type: str) -> AddressInfo | None:
    """The user's default address of this type (`shipping` or `billing`), or None."""
    address = Address.objects.filter(user_id=user_id, type=type, is_default=True).first()
    return _info(address) if address is not None else None


def _save(address: Address) -> AddressInfo:
    address.country = str(address.country).upper() if address.country else ""
    try:
        address.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise InvalidInput(details=exc.message_dict)
    if address.is_default:
        # The caller holds the user's row lock, so no concurrent default can slip in between.
        Address.objects.filter(user_id=address.user_id, type=address.type, is_default=True).exclude(
            id=address.id
        ).update(is_default=False)
    address.save()
    return _info(address)


def _lock_user(user_id: UUID | str) -> None:
    # Serializes default changes per user; the partial unique index is the backstop.
    list(User.objects.select_for_update().filter(id=user_id).values_list("id", flat=True))


@transaction.atomic
def address_create(*, user_id: UUID | str, data: dict[str, Any]) -> AddressInfo:
    """Add an address (keys of ADDRESS_FIELDS; others are ignored).

    Without `is_default`, the first address of its type becomes the default. A new default
    unsets the previous default of the same type in the same transaction. Raises
    InvalidInput naming the fields that are missing or invalid (e.g. an unknown country).
    """
    _lock_user(user_id)
    address = Address(user_id=user_id, **{k: v for k, v in data.items() if k in ADDRESS_FIELDS})
    if "is_default" not in data:
        address.is_default = not Address.objects.filter(
            user_id=user_id, type=address.type, is_default=True
        ).exists()
    return _save(address)


@transaction.atomic
def address_update(
    *, user_id: UUID | str, address_id: UUID | str, data: dict[str, Any]
) -> AddressInfo:
    """Change some fields of the user's address (keys of ADDRESS_FIELDS).

    Making it the default (or moving a default to another type) unsets the other default of
    that type atomically. Raises AddressNotFound (unknown or another user's) or InvalidInput.
    """
    _lock_user(user_id)
    address = _own(user_id=user_id, address_id=address_id, lock=True)
    for field in ADDRESS_FIELDS:
        if field in data:
            setattr(address, field, data[field])
    return _save(address)


@transaction.atomic
def address_delete(*, user_id: UUID | str, address_id: UUID | str) -> None:
    """Delete the user's address; past orders keep their own snapshot of it.

    Raises AddressNotFound when it is unknown or another user's.
    """
    _own(user_id=user_id, address_id=address_id, lock=True).delete()
