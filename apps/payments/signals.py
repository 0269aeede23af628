"""What payments tells the apps above (declarations only).

Outbox events (published in the same transaction as the Payment's change, so they are never
lost; handlers must be idempotent — the outbox applies each event once per handler, and a
provider may report the same outcome twice, which publishes nothing the second time):

payment.succeeded
    {"payment_id": str, "order_id": str, "user_id": str, "provider": str, "intent_id": str,
     "amount": "12.34", "currency": "USD"}
    The provider took the money. Published once per payment, whatever the provider repeats.

payment.failed
    {"payment_id": str, "order_id": str, "user_id": str, "provider": str, "intent_id": str,
     "reason": str}
    One attempt failed (card declined …); the intent still accepts another attempt.
"""

PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_FAILED = "payment.failed"
