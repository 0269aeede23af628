"""The `dummy` provider: intents kept in our own database, paid by hand.

For local use, demos and tests (`PAYMENT_PROVIDER=dummy`, the default). Nothing leaves the
machine; `POST payments/dummy/{intent_id}/succeed|fail` plays the customer paying and the
provider's webhook (see `apps.payments.services.dummy_intent_complete`).

Intent ids and client secrets are derived from the idempotency key with the SECRET_KEY
(HMAC), so creating an intent is one INSERT … ON CONFLICT DO NOTHING: a retry with the same
key lands on the same row and answers the same intent, as Stripe does.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.payments.models import DummyIntent
from apps.payments.providers import base


def _digest(purpose: str, idempotency_key: str) -> str:
    message = f"{purpose}:{idempotency_key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _info(intent: DummyIntent) -> base.ProviderIntent:
    return base.ProviderIntent(
        intent_id=intent.id,
        status=intent.status,
        amount_minor=intent.amount_minor,
        currency=intent.currency,
        client_secret=intent.client_secret,
        metadata=dict(intent.metadata),
        last_error=intent.last_error,
    )


class DummyProvider(base.PaymentProvider):
    name = "dummy"

    def intent_create(
        self,
        *,
        amount_minor: int,
        currency: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> base.ProviderIntent:
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 0:
            raise base.ProviderRejected("amount_minor must be a non-negative integer")
        intent_id = "pi_dummy_" + _digest("intent", idempotency_key)[:24]
        intent = DummyIntent(
            id=intent_id,
            idempotency_key=idempotency_key,
            amount_minor=amount_minor,
            currency=currency.upper(),
            client_secret=f"{intent_id}_secret_{_digest('secret', idempotency_key)[:24]}",
            metadata={key: str(value) for key, value in metadata.items()},
        )
        # A replay of the key conflicts and inserts nothing; like Stripe, it answers the
        # intent as first created.
        DummyIntent.objects.bulk_create([intent], ignore_conflicts=True)
        return _info(intent)

    def intent_retrieve(self, *, intent_id: str) -> base.ProviderIntent:
        intent = DummyIntent.objects.filter(id=intent_id).first()
        if intent is None:
            raise base.ProviderRejected(f"no such intent: {intent_id}")
        return _info(intent)

    def intent_cancel(self, *, intent_id: str) -> base.ProviderIntent:
        with transaction.atomic():
            intent = self._locked(intent_id)
            if intent.status == DummyIntent.Status.REQUIRES_PAYMENT_METHOD:
                intent.status = DummyIntent.Status.CANCELED
                intent.save(update_fields=["status", "updated_at"])
        return _info(intent)

    def refund_create(
        self, *, intent_id: str, amount_minor: int, idempotency_key: str, reason: str = ""
    ) -> base.ProviderRefund:
        # Enough for demos: the refunds issue adds refund records (and their idempotency).
        with transaction.atomic():
            intent = self._locked(intent_id)
            left = intent.amount_minor - intent.amount_refunded_minor
            if intent.status != DummyIntent.Status.SUCCEEDED or not 0 < amount_minor <= left:
                raise base.ProviderRejected("nothing to refund of that amount")
            intent.amount_refunded_minor += amount_minor
            intent.save(update_fields=["amount_refunded_minor", "updated_at"])
        return base.ProviderRefund(
            refund_id="re_dummy_" + _digest("refund", idempotency_key)[:24],
            intent_id=intent_id,
            amount_minor=amount_minor,
            status="succeeded",
        )

    # --- what the dummy endpoints do (a real provider's customer and webhook do this) ---

    def intent_pay(self, *, intent_id: str, succeed: bool) -> base.ProviderIntent:
        """The customer pays (`succeed`) or the attempt is declined. A succeeded intent stays
        succeeded (paying twice charges once); a canceled one cannot be paid
        (ProviderRejected)."""
        with transaction.atomic():
            intent = self._locked(intent_id)
            if intent.status == DummyIntent.Status.CANCELED:
                raise base.ProviderRejected("this intent was canceled")
            if intent.status == DummyIntent.Status.REQUIRES_PAYMENT_METHOD:
                if succeed:
                    intent.status = DummyIntent.Status.SUCCEEDED
                    intent.last_error = ""
                else:
                    intent.last_error = f"card declined (dummy) at {timezone.now().isoformat()}"
                intent.save(update_fields=["status", "last_error", "updated_at"])
        return _info(intent)

    @staticmethod
    def _locked(intent_id: str) -> DummyIntent:
        intent = DummyIntent.objects.select_for_update().filter(id=intent_id).first()
        if intent is None:
            raise base.ProviderRejected(f"no such intent: {intent_id}")
        return intent
