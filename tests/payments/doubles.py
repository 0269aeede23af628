"""Stand-ins for a payment provider that fails (the only thing tests fake is the provider,
an outside service). Selected with settings.PAYMENT_PROVIDER = "<dotted path>"."""

from __future__ import annotations

from apps.payments.providers import ProviderUnavailable
from apps.payments.providers.dummy import DummyProvider


class UnavailableProvider(DummyProvider):
    """Every intent creation fails as if the provider were down."""

    name = "unavailable"

    def intent_create(self, **kwargs):
        raise ProviderUnavailable("connection refused (test double)")


class ProcessDied(BaseException):
    """Not an Exception: nothing in the shop catches it, as nothing runs after a kill -9."""


class DyingProvider(DummyProvider):
    """The process dies while the provider is called (between checkout's steps 3 and 4)."""

    name = "dying"

    def intent_create(self, **kwargs):
        raise ProcessDied()


UNAVAILABLE = f"{__name__}.UnavailableProvider"
DYING = f"{__name__}.DyingProvider"
