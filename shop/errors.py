"""The one base class of every domain error.

Each app declares its errors in its own `exceptions.py` as subclasses with a stable `code`
and `http_status`; `shop.api.exceptions.exception_handler` renders them in the API's error
body: `{"error": {"code", "message", "details"}}`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID


class DomainError(Exception):
    code: str = "error"
    http_status: int = 400
    default_message: str = "The request could not be completed."

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = "Not found."


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = "The request conflicts with the current state."


class InvalidInput(DomainError):
    """Bad input detected by a service; `details` maps field names to lists of messages."""

    code = "invalid"
    http_status = 400
    default_message = "Invalid input."


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"
    http_status = 409
    default_message = "This Idempotency-Key was already used with a different request."


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    http_status = 503
    default_message = "A backing service is unavailable; try again shortly."


def parse_uuid(value: Any, field: str) -> UUID:
    """`value` as a UUID, or InvalidInput naming `field` (services take ids from any caller)."""
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise InvalidInput(details={field: ["Must be a valid UUID."]}) from None
