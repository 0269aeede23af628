"""Promotions and their usage. The database holds every invariant that can be a constraint;
the services check the rest (codes, referenced categories and products) before writing."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

ZERO = Decimal("0.00")


class Promotion(models.Model):
    class Type(models.TextChoices):
        PERCENTAGE = "percentage", "percentage"
        FIXED = "fixed", "fixed amount"
        BOGO = "bogo", "buy X get Y"
        FREE_SHIPPING = "free_shipping", "free shipping"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Stored upper-cased; null for an automatic promotion (applies by itself when eligible).
    code = models.CharField(max_length=50, null=True, blank=True)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=Type.choices)
    # percent for percentage and bogo (percent off the free units), an amount for fixed.
    value = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # conditions
    min_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    category_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    product_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    first_time_only = models.BooleanField(default=False)
    buy_quantity = models.PositiveIntegerField(default=1)
    get_quantity = models.PositiveIntegerField(default=1)
    # limits: uses held or used by placed orders (a void use was given back)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    max_uses_per_user = models.PositiveIntegerField(null=True, blank=True)
    current_uses = models.PositiveIntegerField(default=0)
    start_date = models.DateTimeField(default=timezone.now)
    end_date = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    stackable = models.BooleanField(default=False)
    priority = models.IntegerField(default=100, help_text="Lower applies first.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "name"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="promotion_code_ci_unique"),
            models.CheckConstraint(
                condition=Q(code__isnull=True) | (~Q(code="") & Q(code=Upper("code"))),
                name="promotion_code_upper_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(type__in=["percentage", "fixed", "bogo", "free_shipping"]),
                name="promotion_type",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="promotion_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(type__in=["percentage", "bogo"]) | Q(value__lte=100),
                name="promotion_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="promotion_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(current_uses__lte=F("max_uses")),
                name="promotion_uses_within_max",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="promotion_max_uses_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_uses_per_user__isnull=True) | Q(max_uses_per_user__gte=1),
                name="promotion_max_uses_per_user_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_amount__isnull=True) | Q(min_amount__gte=0),
                name="promotion_min_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(buy_quantity__gte=1) & Q(get_quantity__gte=1),
                name="promotion_bogo_quantities_positive",
            ),
        ]
        indexes = [
            # The cart's candidates: running automatic promotions.
            models.Index(
                fields=["start_date"],
                name="promotion_automatic_idx",
                condition=Q(code__isnull=True, active=True),
            ),
            models.Index(fields=["-created_at", "id"], name="promotion_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


class PromotionUsage(models.Model):
    """One promotion used by one order: held while the order is unpaid, used once paid, void
    when the unpaid order was cancelled (the use was given back)."""

    class State(models.TextChoices):
        HELD = "held", "held"
        USED = "used", "used"
        VOID = "void", "void"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="usages")
    user_id = models.UUIDField()
    order_id = models.UUIDField()
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    state = models.CharField(max_length=4, choices=State.choices, default=State.HELD)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "order_id"], name="promotion_usage_one_per_order"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["held", "used", "void"]),
                name="promotion_usage_state",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="promotion_usage_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["order_id"], name="promotion_usage_order_idx"),
            # Per-user limits and "has this customer placed an order with a promotion".
            models.Index(
                fields=["user_id", "promotion"],
                name="promotion_usage_user_idx",
                condition=Q(state__in=["held", "used"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} for order {self.order_id} ({self.state})"
