"""Payment providers behind one interface (`base.PaymentProvider`), chosen by
`PAYMENT_PROVIDER`: `dummy` (default) or `stripe`, or the dotted path of a provider class
(how tests stand in for a provider that fails)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from apps.payments.providers.base import (
    PaymentProvider,
    ProviderError,
    ProviderIntent,
    ProviderRefund,
    ProviderRejected,
    ProviderUnavailable,
)

PROVIDERS = {
    "dummy": "apps.payments.providers.dummy.DummyProvider",
    "stripe": "apps.payments.providers.stripe.StripeProvider",
}

__all__ = [
    "PROVIDERS",
    "PaymentProvider",
    "ProviderError",
    "ProviderIntent",
    "ProviderRefund",
    "ProviderRejected",
    "ProviderUnavailable",
    "provider_get",
]


def provider_get(name: str | None = None) -> PaymentProvider:
    """The provider named `name` (default: settings.PAYMENT_PROVIDER).

    Raises ImproperlyConfigured-like ValueError for a name that is neither known nor a
    dotted path to a PaymentProvider subclass.
    """
    name = name or settings.PAYMENT_PROVIDER
    path = PROVIDERS.get(name, name)
    if "." not in path:
        raise ValueError(f"unknown PAYMENT_PROVIDER {name!r}; known: {', '.join(PROVIDERS)}")
    provider_class = import_string(path)
    if not issubclass(provider_class, PaymentProvider):
        raise ValueError(f"{path} is not a PaymentProvider")
    return provider_class()
