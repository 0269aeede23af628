"""Orders: the order with its totals and address snapshots, lines as snapshots, the history
of every transition, shipping methods, tax rates and the emails sent.

Cross-app references are ids (DESIGN.md, Boundaries): `user_id`, a line's `variant_id` and
`product_id` with the sku, name and price copied at checkout, `payment_id`. The money
invariants are database constraints: subtotal − discount + shipping + tax = total on every
order, unit_price × quantity − discount = total_price on every line.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from apps.orders.state_machine import Status

MONEY = {"max_digits": 12, "decimal_places": 2}


class ShippingMethod(models.Model):
    """Staff-editable; `code` is what a checkout names (`standard`, `express`)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    price = models.DecimalField(**MONEY)
    # Shipping is free when subtotal − discount reaches this amount; null: never free.
    free_over = models.DecimalField(null=True, blank=True, **MONEY)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="shipping_price_gte_0"),
            models.CheckConstraint(
                condition=Q(free_over__isnull=True) | Q(free_over__gte=0),
                name="shipping_free_over_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TaxRate(models.Model):
    """A sales tax rate for a country, or one of its states (blank `state`: the whole
    country). A state's rate wins over its country's; no rate means no tax."""

    country = CountryField()
    state = models.CharField(max_length=100, blank=True)
    rate = models.DecimalField(max_digits=6, decimal_places=4, help_text="0.0825 for 8.25 %")

    class Meta:
        ordering = ["country", "state"]
        constraints = [
            models.UniqueConstraint(fields=["country", "state"], name="tax_rate_once"),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lt=1), name="tax_rate_between_0_and_1"
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.country}-{self.state}" if self.state else str(self.country)
        return f"{where}: {self.rate}"


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_number = models.CharField(max_length=16)
    user_id = models.UUIDField()
    # A snapshot for staff (admin search) and the emails: the address at checkout time.
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY)
    shipping = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    shipping_address = models.JSONField()
    billing_address = models.JSONField()
    shipping_method = models.CharField(max_length=32)
    shipping_method_name = models.CharField(max_length=100)
    coupon_code = models.CharField(max_length=50, blank=True)
    promotion_ids = models.JSONField(default=list)
    payment_id = models.UUIDField(null=True, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    # Why the order was cancelled, as a code the code reads (`reservation_expired`, …): a
    # payment arriving after an expiry re-reserves, after any other cancellation refunds.
    cancel_reason = models.CharField(max_length=32, blank=True)
    # A refund owed to the customer and not yet made (see apps.orders.services.refunds).
    refund_due = models.DecimalField(default=0, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user_id", "-created_at"], name="order_user_created_idx"),
            models.Index(fields=["-created_at", "-id"], name="order_newest_idx"),
            models.Index(fields=["status", "-created_at"], name="order_status_created_idx"),
            models.Index(fields=["email"], name="order_email_idx"),
        ]
        constraints = [
            # Named, so checkout recognizes a collision of random numbers and retries.
            models.UniqueConstraint(fields=["order_number"], name="order_number_once"),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0)
                & Q(discount__gte=0)
                & Q(discount__lte=F("subtotal"))
                & Q(shipping__gte=0)
                & Q(tax__gte=0),
                name="order_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") - F("discount") + F("shipping") + F("tax")),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="order_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} ({self.status})"


class OrderLine(models.Model):
    """A snapshot of what was bought: the catalog may change or archive the product later."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    variant_id = models.UUIDField()
    product_id = models.UUIDField()
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=300)
    unit_price = models.DecimalField(**MONEY)
    quantity = models.PositiveIntegerField()
    # This line's share of the order's discount (largest remainder, to the cent).
    discount = models.DecimalField(**MONEY)
    total_price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="order_line_position_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(unit_price__gte=0) & Q(discount__gte=0),
                name="order_line_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(total_price=F("unit_price") * F("quantity") - F("discount")),
                name="order_line_total_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["variant_id"], name="order_line_variant_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderHistory(models.Model):
    """One row per transition (and per note about the order), oldest first. Placing is no
    transition: an order's history starts with `pending → confirmed` (or `→ cancelled`)."""

    class Actor(models.TextChoices):
        CUSTOMER = "customer", "customer"
        STAFF = "staff", "staff"
        SYSTEM = "system", "system"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16)  # = to_status: a note, not a transition
    to_status = models.CharField(max_length=16)
    note = models.CharField(max_length=500, blank=True)
    actor = models.CharField(max_length=10, choices=Actor.choices)
    actor_id = models.UUIDField(null=True, blank=True)  # the user, for customer and staff
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "created_at", "id"]
        verbose_name_plural = "order history"

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}: {self.note}"


class OrderEmail(models.Model):
    """An email about an order, sent once per kind and reference (a refund's id for refund
    emails, blank for the others): a re-delivered event sends nothing."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "confirmation"
        SHIPPED = "shipped", "shipped"
        CANCELLED = "cancelled", "cancelled"
        REFUND = "refund", "refund"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reference = models.CharField(max_length=64, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "reference"], name="order_email_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.order_id}"


class Return(models.Model):
    """A return (RMA) of delivered units: `requested` by the customer (or staff), `received`
    when staff take the parcel in — each unit restocked or not, the received units refunded."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "requested"
        RECEIVED = "received", "received"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    user_id = models.UUIDField()  # the order's customer (also when staff opened it)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=500)
    refund_id = models.UUIDField(null=True, blank=True)  # payments' refund of the received units
    refund_amount = models.DecimalField(null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user_id", "-created_at"], name="return_user_created_idx")]

    def __str__(self) -> str:
        return f"return {self.id} of {self.order_id} ({self.status})"


class ReturnLine(models.Model):
    rma = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    variant_id = models.UUIDField()
    quantity = models.PositiveIntegerField()  # asked to return
    received_quantity = models.PositiveIntegerField(default=0)
    restocked_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["rma", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rma", "variant_id"], name="return_line_variant_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0)
                & Q(received_quantity__lte=F("quantity"))
                & Q(restocked_quantity__lte=F("received_quantity")),
                name="return_line_quantities_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"
