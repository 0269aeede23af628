"""Payments' domain errors: stable codes, rendered by shop.api.exceptions."""

from __future__ import annotations

from shop.errors import Conflict, DomainError, NotFound

__all__ = [
    "InvalidSignature",
    "PaymentConflict",
    "PaymentNotFound",
    "PaymentUnavailable",
    "RefundNotFound",
]


class PaymentUnavailable(DomainError):
    """The payment provider failed or could not be reached; nothing was charged."""

    code = "payment_unavailable"
    http_status = 502
    default_message = "The payment provider is unavailable; nothing was charged. Try again."


class PaymentNotFound(NotFound):
    default_message = "No such payment."


class PaymentConflict(Conflict):
    """The intent is in a state that does not allow the request (e.g. canceled)."""

    default_message = "The payment cannot change this way in its current state."


class InvalidSignature(DomainError):
    """A webhook without a valid provider signature (missing, forged, stale or no secret)."""

    code = "invalid_signature"
    http_status = 400
    default_message = "The webhook signature is missing or invalid."


class RefundNotFound(NotFound):
    default_message = "No such refund."
