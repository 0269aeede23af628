"""The addresses of a checkout: a saved one of the user's (by id) or an inline one, validated
like the address book; billing defaults to shipping. The order keeps a snapshot."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django_countries import countries

from apps.accounts.exceptions import AddressNotFound
from apps.accounts.services import address_get
from apps.orders.exceptions import InvalidInput

# field → (max length, required)
FIELDS = {
    "full_name": (200, True),
    "address_line1": (255, True),
    "address_line2": (255, False),
    "city": (100, True),
    "state": (100, False),
    "postal_code": (20, False),
    "country": (2, True),
    "phone": (32, False),
}


def _inline(value: Any) -> tuple[dict[str, str], dict[str, list[str]]]:
    if not isinstance(value, dict):
        return {}, {"non_field_errors": ["Must be an address object."]}
    snapshot, errors = {}, {}
    for name, (max_length, required) in FIELDS.items():
        raw = value.get(name, "")
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            errors[name] = ["Must be a string."]
            continue
        raw = raw.strip()
        if required and not raw:
            errors[name] = ["This field is required."]
        elif len(raw) > max_length:
            errors[name] = [f"At most {max_length} characters."]
        snapshot[name] = raw
    country = snapshot.get("country", "").upper()
    if "country" not in errors and country not in countries:
        errors["country"] = ["Enter an ISO 3166-1 alpha-2 country code, e.g. US."]
    snapshot["country"] = country
    return snapshot, errors


def _saved(user_id: UUID, address_id: Any) -> dict[str, str] | None:
    try:
        address = address_get(user_id=user_id, address_id=address_id)
    except AddressNotFound:  # unknown, malformed or another user's: the same answer
        return None
    return {name: getattr(address, name) or "" for name in FIELDS}


def _one(
    *, user_id: UUID, role: str, address_id: Any, inline: Any, required: bool
) -> dict[str, str] | None:
    id_field, inline_field = f"{role}_address_id", f"{role}_address"
    if address_id is not None and inline is not None:
        message = f"Give {id_field} or {inline_field}, not both."
        raise InvalidInput(details={inline_field: [message]})
    if address_id is not None:
        saved = _saved(user_id, address_id)
        if saved is None:
            raise InvalidInput(details={id_field: ["Unknown address."]})
        return saved
    if inline is not None:
        snapshot, errors = _inline(inline)
        if errors:
            raise InvalidInput(details={inline_field: errors})
        return snapshot
    if required:
        raise InvalidInput(details={inline_field: [f"Give {id_field} or {inline_field}."]})
    return None


def checkout_addresses(
    *,
    user_id: UUID,
    shipping_address_id: Any = None,
    shipping_address: Any = None,
    billing_address_id: Any = None,
    billing_address: Any = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """(shipping, billing) snapshots. Raises InvalidInput naming the field: an address id
    that is unknown or another user's, an inline address with a missing field or a country
    that is not ISO 3166-1 alpha-2, both or neither of id and inline for shipping."""
    shipping = _one(
        user_id=user_id,
        role="shipping",
        address_id=shipping_address_id,
        inline=shipping_address,
        required=True,
    )
    billing = _one(
        user_id=user_id,
        role="billing",
        address_id=billing_address_id,
        inline=billing_address,
        required=False,
    )
    return shipping, billing or dict(shipping)
