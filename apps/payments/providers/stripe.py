"""The `stripe` provider: PaymentIntents and Refunds through the official SDK.

`PAYMENT_PROVIDER=stripe` with `STRIPE_SECRET_KEY` (a `sk_test_…` key for staging);
`STRIPE_API_BASE` points the SDK at another host speaking Stripe's API (the suite's double,
stripe-mock) instead of https://api.stripe.com. Every create carries an idempotency key, so a
retried call (ours, or the SDK's own network retry) answers what the first one created.

Errors as the interface wants them: network failures, timeouts, rate limits and 5xx (also a
409 for a key still being processed by a concurrent request) are `ProviderUnavailable`;
anything Stripe refuses as such (unknown intent, wrong state, an amount above the charge, a key
reused with other parameters) is `ProviderRejected`. A declined card is no error of the call:
the intent stays payable with `last_error` set (the webhook `payment_intent.payment_failed`
records the failure).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

import stripe
from django.conf import settings

from apps.payments.providers import base

logger = logging.getLogger(__name__)

# Stripe's own reasons (anything else is refused); our reason text goes in the metadata.
STRIPE_REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, retries: int, timeout: float) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=stripe.new_default_http_client(timeout=timeout),
    )


def client() -> stripe.StripeClient:
    """The SDK client for the configured key and API base (one per configuration)."""
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        float(settings.STRIPE_TIMEOUT_SECONDS),
    ).v1


def _translated(func):
    """Stripe's errors as the provider interface's."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise base.ProviderUnavailable(f"stripe unreachable: {exc.user_message}") from exc
        except (stripe.InvalidRequestError, stripe.IdempotencyError, stripe.CardError) as exc:
            raise base.ProviderRejected(f"stripe refused: {exc.user_message}") from exc
        except stripe.AuthenticationError as exc:
            # Our configuration, not the request: retrying later (after a fix) is right.
            logger.error("stripe rejected the secret key: %s", exc.user_message)
            raise base.ProviderUnavailable("stripe rejected the API key") from exc
        except stripe.StripeError as exc:  # APIError (5xx, 409 in flight), PermissionError …
            raise base.ProviderUnavailable(f"stripe failed: {exc.user_message}") from exc

    return wrapper


def _plain(obj) -> dict:
    return obj.to_dict() if isinstance(obj, stripe.StripeObject) else dict(obj)


def _intent(obj) -> base.ProviderIntent:
    obj = _plain(obj)
    error = obj.get("last_payment_error")
    return base.ProviderIntent(
        intent_id=obj["id"],
        status=obj["status"],
        amount_minor=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        client_secret=obj.get("client_secret"),
        metadata=dict(obj.get("metadata") or {}),
        last_error=(error.get("message") or error.get("code") or "") if error else "",
    )


class StripeProvider(base.PaymentProvider):
    name = "stripe"

    @_translated
    def intent_create(
        self,
        *,
        amount_minor: int,
        currency: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> base.ProviderIntent:
        intent = client().payment_intents.create(
            params={
                "amount": amount_minor,
                "currency": currency.lower(),
                "metadata": {key: str(value) for key, value in metadata.items()},
                "automatic_payment_methods": {"enabled": True},
            },
            options={"idempotency_key": idempotency_key},
        )
        return _intent(intent)

    @_translated
    def intent_retrieve(self, *, intent_id: str) -> base.ProviderIntent:
        return _intent(client().payment_intents.retrieve(intent_id))

    @_translated
    def intent_cancel(self, *, intent_id: str) -> base.ProviderIntent:
        try:
            return _intent(client().payment_intents.cancel(intent_id))
        except stripe.InvalidRequestError as exc:
            if exc.code != "payment_intent_unexpected_state":
                raise
            # Already succeeded (the caller refunds) or already canceled (a no-op).
            intent = _intent(client().payment_intents.retrieve(intent_id))
            if intent.status in (base.SUCCEEDED, base.CANCELED):
                return intent
            raise

    @_translated
    def intent_confirm(self, *, intent_id: str, payment_method: str) -> base.ProviderIntent:
        """Pay the intent with `payment_method` server-side (staging and tests; a storefront
        confirms with the client secret instead). A declined card answers the intent, still
        payable, with `last_error` set."""
        try:
            # Intents accept the dashboard's payment methods, some of which redirect: Stripe
            # wants a return_url on a server-side confirm.
            params = {
                "payment_method": payment_method,
                "return_url": f"{settings.FRONTEND_URL.rstrip('/')}/checkout/return",
            }
            return _intent(client().payment_intents.confirm(intent_id, params=params))
        except stripe.CardError as exc:
            logger.info("card declined for %s: %s", intent_id, exc.code)
            return _intent(client().payment_intents.retrieve(intent_id))

    @_translated
    def refund_create(
        self,
        *,
        intent_id: str,
        amount_minor: int,
        idempotency_key: str,
        reason: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> base.ProviderRefund:
        params = {
            "payment_intent": intent_id,
            "amount": amount_minor,
            "metadata": {key: str(value) for key, value in (metadata or {}).items()},
        }
        if reason in STRIPE_REFUND_REASONS:
            params["reason"] = reason
        elif reason:
            params["metadata"]["reason"] = reason[:500]
        refund = _plain(
            client().refunds.create(params=params, options={"idempotency_key": idempotency_key})
        )
        return base.ProviderRefund(
            refund_id=refund["id"],
            intent_id=intent_id,
            amount_minor=int(refund["amount"]),
            status=refund["status"],
        )
