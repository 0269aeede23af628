"""Inventory data: warehouses, stock per (variant, warehouse), reservations, the stock ledger.

Invariants live in the database: `0 <= reserved <= quantity` on every stock level, positive
reservation quantities, one level per (variant, warehouse). Every change to a level's quantity
or reserved is written to the `StockMovement` ledger in the same transaction, so the sums of
the ledger always equal the levels (`stock_reconcile` checks it). Variants are referenced by id
(they belong to the catalog), orders by id (they belong to orders).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q


class Warehouse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    # Allocation takes stock from the lowest priority number first.
    priority = models.IntegerField(default=100)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockLevel(models.Model):
    """Stock of one variant in one warehouse. `available` = quantity - reserved."""

    variant_id = models.UUIDField(db_index=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="levels")
    quantity = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    # None: settings.LOW_STOCK_THRESHOLD applies.
    low_stock_threshold = models.PositiveIntegerField(null=True, blank=True)
    # True while available is above the threshold: the next fall to or below it raises one
    # alert and disarms; rising above the threshold again re-arms.
    low_stock_armed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["variant_id", "warehouse"], name="stock_level_once"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("quantity")), name="stock_reserved_lte_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} @ {self.warehouse_id}: {self.quantity}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class Reservation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        CONFIRMED = "confirmed", "confirmed"
        RELEASED = "released", "released"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField()
    variant_id = models.UUIDField()
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["order_id"], name="reservation_order_idx"),
            models.Index(
                fields=["expires_at"],
                name="reservation_pending_exp_idx",
                condition=Q(status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} x {self.variant_id} ({self.status})"


class StockMovement(models.Model):
    """One entry of the stock ledger: how much a change moved quantity and reserved."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "receipt"
        ADJUSTMENT = "adjustment", "adjustment"
        RESERVATION = "reservation", "reservation"
        CONFIRMATION = "confirmation", "confirmation"
        RELEASE = "release", "release"
        RETURN = "return", "return"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    variant_id = models.UUIDField()
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quantity_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=255, blank=True)
    order_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["variant_id", "warehouse"], name="movement_level_idx"),
            # The ledger newest first (API and admin), without sorting the whole table.
            models.Index(fields=["-created_at", "-id"], name="movement_newest_idx"),
            models.Index(
                fields=["order_id"], name="movement_order_idx", condition=Q(order_id__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.variant_id}: q{self.quantity_delta:+} r{self.reserved_delta:+}"


class LowStockAlert(models.Model):
    """Raised once each time a level's available stock falls to or below its threshold."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stock_level = models.ForeignKey(StockLevel, on_delete=models.CASCADE, related_name="alerts")
    variant_id = models.UUIDField(db_index=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="alerts")
    available = models.IntegerField()
    threshold = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"low stock {self.variant_id} @ {self.warehouse_id}: {self.available}"
