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

payment.refunded
    {"payment_id": str, "order_id": str, "refund_id": str, "amount": "12.34",
     "amount_refunded": "20.00", "payment_amount": "50.00", "currency": "USD",
     "reason": str, "lines": [{"variant_id": str, "quantity": int, "amount": "…"}],
     "origin": "shop" | "provider"}
    The provider made a refund (one requested here, or one made at the provider itself);
    `amount_refunded` is the payment's total refunded so far. Once per refund.

payment.refund_failed
    {"payment_id": str, "order_id": str, "refund_id": str, "amount": "12.34",
     "currency": "USD", "reason": str}
    The provider refused a requested refund; nothing went back and it is no longer due.

refund.requested  (payments' own: its receiver makes the refund after the commit)
    {"refund_id": str}
"""

PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_FAILED = "payment.failed"
PAYMENT_REFUNDED = "payment.refunded"
PAYMENT_REFUND_FAILED = "payment.refund_failed"
REFUND_REQUESTED = "refund.requested"
