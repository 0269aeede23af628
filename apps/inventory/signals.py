"""Signals inventory sends upward (declarations only; higher apps connect receivers).

reservation_expired(sender=None, order_id=UUID)
    Sent after the commit that released an order's expired pending reservations, once per
    order per expiry run. Receivers must be idempotent (two runners, retries).
"""

from django.dispatch import Signal

reservation_expired = Signal()
