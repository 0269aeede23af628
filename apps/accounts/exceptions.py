"""Domain errors of accounts, each with a stable `code` and `http_status` (see API.md)."""

from __future__ import annotations

from shop.errors import DomainError, InvalidInput, NotFound


class InvalidCredentials(DomainError):
    """Bad email or password; deliberately the same for an unknown email."""

    code = "invalid_credentials"
    http_status = 401
    default_message = "The email or password is incorrect."


class InvalidRefreshToken(DomainError):
    """A refresh token that is malformed, expired, spent by rotation or revoked."""

    code = "not_authenticated"
    http_status = 401
    default_message = "The refresh token is invalid, expired or revoked."


class InvalidToken(DomainError):
    """An emailed token (verification, password reset) that is bad, expired or used."""

    code = "invalid_token"
    http_status = 400
    default_message = "The token is invalid, expired or already used."


class UserNotFound(NotFound):
    default_message = "User not found."


class AddressNotFound(NotFound):
    default_message = "Address not found."


__all__ = [
    "AddressNotFound",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidRefreshToken",
    "InvalidToken",
    "UserNotFound",
]
