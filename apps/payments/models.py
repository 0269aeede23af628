"""Payments: one Payment per order's payment intent (the dummy provider keeps its intents
in Redis, see providers/dummy.py).

A Payment mirrors the provider's intent (the provider is the truth about money): its status
is moved only by what the provider reports (a webhook, or the dummy endpoints that stand in
for one). Orders are referenced by id (they live in the app above), users by id.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q


class Payment(models.Model):
    class Status(models.TextChoices):
        REQUIRES_PAYMENT = "requires_payment", "requires payment"  # waiting for the customer
        FAILED = "failed", "failed"  # the last attempt failed; the customer may try again
        SUCCEEDED = "succeeded", "succeeded"
        CANCELED = "canceled", "canceled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.CharField(max_length=32)
    intent_id = models.CharField(max_length=255)
    order_id = models.UUIDField(unique=True)
    user_id = models.UUIDField(db_index=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUIRES_PAYMENT
    )
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # Owed back to the customer but not yet refunded through the provider (a paid order that
    # was cancelled, a payment that arrived after its order expired). The refunds issue turns
    # this into provider refunds; until then staff see it here and in the order's history.
    refund_due = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    refund_due_reason = models.CharField(max_length=255, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "intent_id"], name="payment_intent_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payment_refunded_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(refund_due__gte=0) & Q(refund_due__lte=F("amount")),
                name="payment_refund_due_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.intent_id} {self.amount} {self.currency} ({self.status})"
