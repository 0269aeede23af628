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
    # What the provider has refunded (the sum of the succeeded refunds).
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # Owed back to the customer and not yet refunded: the sum of the pending refunds (the
    # provider was down, or the refund is on its way). `refunds_retry` keeps trying them.
    refund_due = models.DecimalField(max_digits=12, decimal_places=2, default=0)
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
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount") - F("refund_due")),
                name="payment_refunds_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.intent_id} {self.amount} {self.currency} ({self.status})"


class Refund(models.Model):
    """Money going back for a payment: requested (`pending`) in the transaction that decides
    it, made through the provider afterwards (idempotency key `refund_<id>`, so a retry never
    refunds twice), `succeeded` when the provider says so, `failed` when it refuses."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    class Origin(models.TextChoices):
        SHOP = "shop", "shop"  # requested here (staff, a cancellation, a return, late payment)
        PROVIDER = "provider", "provider"  # made at the provider (its dashboard), reported to us

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # What the caller (orders) says the amount is for: [{variant_id, quantity, amount}], or
    # empty for an amount refund.
    lines = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SHOP)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    provider_refund_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_gt_0"),
            models.UniqueConstraint(
                fields=["payment", "provider_refund_id"],
                condition=~Q(provider_refund_id=""),
                name="refund_provider_id_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="refund_status_created_idx")]

    def __str__(self) -> str:
        return f"refund {self.amount} of {self.payment_id} ({self.status})"


class WebhookEvent(models.Model):
    """A provider event we received, by its provider id: stored in the transaction that
    applies it, so a redelivered event finds itself here and changes nothing."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    result = models.CharField(max_length=16)  # applied | ignored
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.type} ({self.result})"
