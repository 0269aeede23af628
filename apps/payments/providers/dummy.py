"""The `dummy` provider: intents kept in Redis, paid by hand.

For local use, demos and tests (`PAYMENT_PROVIDER=dummy`, the default). Nothing leaves the
machine; `POST payments/dummy/{intent_id}/succeed|fail` plays the customer paying and the
provider's webhook (see `apps.payments.services.dummy_intent_complete`).

The intents live in Redis, not in the shop's database: like a real provider they are an
outside system (a Redis outage is a provider outage: 502 `payment_unavailable`), and
creating one costs the checkout no SQL query. Each intent is one JSON value; every change is
one Lua script (compare-and-set), so concurrent pays and cancels cannot both win. Intent ids
and client secrets are derived from the idempotency key with the SECRET_KEY (HMAC), so a
create is one `SET … NX GET`: a retry with the same key answers the intent as first created,
as Stripe does. Intents are kept for INTENT_TTL_SECONDS.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Mapping

import redis
from django.conf import settings
from django.utils import timezone

from apps.payments.providers import base
from shop.redis import redis_client

INTENT_TTL_SECONDS = 30 * 24 * 3600
_KEY = "payments:dummy:intent:{}"

# KEYS[1] the intent; ARGV[1] the action: cancel | succeed | fail | refund; ARGV[2] an error
# text (fail) or the amount (refund); ARGV[3] the refund's id (a replayed refund changes
# nothing, as the same idempotency key at Stripe). Answers the intent's JSON after the change, or an
# error reply: "missing", "canceled" (pay a canceled intent), "refund" (too much, unpaid).
_CHANGE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return redis.error_reply('missing') end
local intent = cjson.decode(raw)
local action = ARGV[1]
if action == 'cancel' then
  if intent.status == 'requires_payment_method' then intent.status = 'canceled' end
elseif action == 'succeed' or action == 'fail' then
  if intent.status == 'canceled' then return redis.error_reply('canceled') end
  if intent.status == 'requires_payment_method' then
    if action == 'succeed' then intent.status = 'succeeded'; intent.last_error = ''
    else intent.last_error = ARGV[2] end
  end
elseif action == 'refund' then
  local amount = tonumber(ARGV[2])
  if type(intent.refunds) ~= 'table' then intent.refunds = {} end
  if intent.refunds[ARGV[3]] then return raw end
  if intent.status ~= 'succeeded' or amount <= 0
     or intent.amount_refunded_minor + amount > intent.amount_minor then
    return redis.error_reply('refund')
  end
  intent.amount_refunded_minor = intent.amount_refunded_minor + amount
  intent.refunds[ARGV[3]] = amount
end
raw = cjson.encode(intent)
redis.call('SET', KEYS[1], raw, 'KEEPTTL')
return raw
"""


def _digest(purpose: str, idempotency_key: str) -> str:
    message = f"{purpose}:{idempotency_key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _info(raw: bytes | str) -> base.ProviderIntent:
    data = json.loads(raw)
    return base.ProviderIntent(
        intent_id=data["id"],
        status=data["status"],
        amount_minor=data["amount_minor"],
        currency=data["currency"],
        client_secret=data["client_secret"],
        metadata=data["metadata"] or {},
        last_error=data["last_error"],
    )


def _unavailable_on_redis_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError) as exc:
            raise base.ProviderUnavailable(f"dummy provider unreachable: {exc}") from exc

    return wrapper


@functools.cache
def _script() -> redis.commands.core.Script:
    # Registered once per process (EVALSHA afterwards); the client is passed per call.
    return redis_client().register_script(_CHANGE)


class DummyProvider(base.PaymentProvider):
    name = "dummy"

    @_unavailable_on_redis_errors
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
        raw = json.dumps(
            {
                "id": intent_id,
                "idempotency_key": idempotency_key,
                "amount_minor": amount_minor,
                "currency": currency.upper(),
                "status": base.REQUIRES_PAYMENT_METHOD,
                "client_secret": f"{intent_id}_secret_{_digest('secret', idempotency_key)[:24]}",
                "metadata": {key: str(value) for key, value in metadata.items()},
                "last_error": "",
                "amount_refunded_minor": 0,
                "created_at": timezone.now().isoformat(),
            }
        )
        # A replay of the key finds the intent and, like Stripe, answers it as first created.
        previous = redis_client().set(
            _KEY.format(intent_id), raw, nx=True, ex=INTENT_TTL_SECONDS, get=True
        )
        return _info(previous or raw)

    @_unavailable_on_redis_errors
    def intent_retrieve(self, *, intent_id: str) -> base.ProviderIntent:
        raw = redis_client().get(_KEY.format(intent_id))
        if raw is None:
            raise base.ProviderRejected(f"no such intent: {intent_id}")
        return _info(raw)

    def intent_cancel(self, *, intent_id: str) -> base.ProviderIntent:
        return _info(self._change(intent_id, "cancel"))

    def refund_create(
        self,
        *,
        intent_id: str,
        amount_minor: int,
        idempotency_key: str,
        reason: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> base.ProviderRefund:
        refund_id = "re_dummy_" + _digest("refund", idempotency_key)[:24]
        self._change(intent_id, "refund", str(int(amount_minor)), refund_id)
        return base.ProviderRefund(
            refund_id=refund_id,
            intent_id=intent_id,
            amount_minor=amount_minor,
            status="succeeded",
        )

    # --- what the dummy endpoints do (a real provider's customer and webhook do this) ---

    def intent_pay(self, *, intent_id: str, succeed: bool) -> base.ProviderIntent:
        """The customer pays (`succeed`) or the attempt is declined. A succeeded intent stays
        succeeded (paying twice charges once); a canceled one cannot be paid
        (ProviderRejected)."""
        if succeed:
            return _info(self._change(intent_id, "succeed"))
        declined = f"card declined (dummy) at {timezone.now().isoformat()}"
        return _info(self._change(intent_id, "fail", declined))

    @staticmethod
    @_unavailable_on_redis_errors
    def _change(intent_id: str, action: str, argument: str = "", refund_id: str = "") -> bytes:
        try:
            return _script()(
                keys=[_KEY.format(intent_id)],
                args=[action, argument, refund_id],
                client=redis_client(),
            )
        except redis.ResponseError as exc:
            reasons = {
                "missing": f"no such intent: {intent_id}",
                "canceled": "this intent was canceled",
                "refund": "nothing to refund of that amount",
            }
            raise base.ProviderRejected(reasons.get(str(exc), str(exc))) from exc
