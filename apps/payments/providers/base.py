"""The interface every payment provider implements (dummy now, Stripe next).

Amounts cross it in integer minor units (cents) with an ISO currency code; every call that
creates something takes an idempotency key, so a retried call (timeout, crash, a replayed
checkout) returns what the first one created instead of charging twice. Providers raise
`ProviderUnavailable` for outside failures (network, timeouts, 5xx: worth retrying later) and
`ProviderRejected` when the provider refuses the request as such (a 4xx: retrying the same
call will not help). They never raise the shop's domain errors: `apps.payments.services` turns
these into `PaymentUnavailable` (502) and friends.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar


class ProviderError(Exception):
    """Base of what a provider raises."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or failed (network, timeout, 5xx)."""


class ProviderRejected(ProviderError):
    """The provider refused the request (invalid state, unknown intent, bad amount)."""


# Intent statuses, in Stripe's words (the dummy uses the same ones).
REQUIRES_PAYMENT_METHOD = "requires_payment_method"
PROCESSING = "processing"
SUCCEEDED = "succeeded"
CANCELED = "canceled"


@dataclass(frozen=True)
class ProviderIntent:
    intent_id: str
    status: str  # requires_payment_method | requires_action | processing | succeeded | canceled
    amount_minor: int
    currency: str  # ISO 4217, upper case
    client_secret: str | None  # what the client confirms the payment with
    metadata: Mapping[str, str] = field(default_factory=dict)
    last_error: str = ""


@dataclass(frozen=True)
class ProviderRefund:
    refund_id: str
    intent_id: str
    amount_minor: int
    status: str  # pending | succeeded | failed


class PaymentProvider(ABC):
    """One payment provider. Instances are cheap and stateless (credentials from settings)."""

    name: ClassVar[str]

    @abstractmethod
    def intent_create(
        self,
        *,
        amount_minor: int,
        currency: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> ProviderIntent:
        """Create an intent to collect `amount_minor` of `currency`. The same
        `idempotency_key` again returns the intent the first call created."""

    @abstractmethod
    def intent_retrieve(self, *, intent_id: str) -> ProviderIntent:
        """The intent as the provider has it now. ProviderRejected when unknown."""

    @abstractmethod
    def intent_cancel(self, *, intent_id: str) -> ProviderIntent:
        """Cancel an intent that has not succeeded, so it can no longer be paid; cancelling a
        canceled intent is a no-op. An intent that already succeeded is returned as it is
        (status `succeeded`): the caller must refund instead."""

    @abstractmethod
    def refund_create(
        self,
        *,
        intent_id: str,
        amount_minor: int,
        idempotency_key: str,
        reason: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> ProviderRefund:
        """Refund `amount_minor` of a succeeded intent (partial refunds add up to at most its
        amount). The same `idempotency_key` again returns the first refund (and refunds
        nothing more). `metadata` travels with the refund (our refund id, so the provider's
        own report of it is recognised). ProviderRejected when more than what remains, or
        the intent did not succeed."""
