from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

ZERO = Decimal("0.00")


class Brand(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the category tree. `path` is the materialized path of slugs from the root,
    e.g. `/electronics/phones/`, so a subtree is `path__startswith`; `level` is 0 at a root."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=1000, unique=True)
    level = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        indexes = [
            models.Index(
                fields=["path"], name="category_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.path


class Product(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        DRAFT = "draft", "draft"
        ARCHIVED = "archived", "archived"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sku = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=255, unique=True)
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    base_price = models.DecimalField(max_digits=12, decimal_places=2)
    # The lowest variant price, kept by the catalog services: lists sort and filter on it.
    price = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # True when any variant is in stock: the catalog's copy, fed by inventory's stock.changed.
    in_stock = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    rating = models.DecimalField(max_digits=3, decimal_places=2, default=ZERO)
    num_reviews = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["category", "price"], name="product_category_price_idx"),
            models.Index(
                fields=["-created_at"], name="product_active_new_idx", condition=Q(status="active")
            ),
            models.Index(fields=["status", "price"], name="product_status_price_idx"),
            # The admin's changelist (all statuses, newest first, id as the tie-breaker).
            models.Index(fields=["-created_at", "-id"], name="product_newest_idx"),
            # name__icontains (admin search) is UPPER(name) LIKE '%…%': trigrams serve it.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="product_name_trgm_idx"),
            models.Index(fields=["brand", "price"], name="product_brand_price_idx"),
            # The storefront's other sort orders (-rating, name) over active products.
            models.Index(
                fields=["-rating", "-num_reviews", "id"],
                name="product_active_rating_idx",
                condition=Q(status="active"),
            ),
            models.Index(
                fields=["name", "id"], name="product_active_name_idx", condition=Q(status="active")
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(base_price__gte=0), name="product_base_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductAttribute(models.Model):
    """A descriptive attribute of a product (`material: cotton`), shown in `attributes`."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attribute_values")
    name = models.CharField(max_length=100)
    value = models.CharField(max_length=500)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="product_attribute_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class Variant(models.Model):
    """The purchasable unit (size, colour …). Inventory keys stock by its id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=100, unique=True)
    attributes = models.JSONField(default=dict, blank=True)
    price_adjustment = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # base_price + price_adjustment, kept by the catalog services.
    price = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # The catalog's copy of availability, updated from inventory's stock.changed events.
    in_stock = models.BooleanField(default=False)
    available = models.IntegerField(default=0)
    # The highest stock.changed version applied (inventory's database sequence); an event
    # with a lower or equal one is older and ignored. None: no event applied yet.
    stock_version = models.BigIntegerField(null=True, blank=True)
    stock_updated_at = models.DateTimeField(null=True, blank=True)  # informational
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "sku"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.sku


class ProductImage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/")
    alt_text = models.CharField(max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class Review(models.Model):
    """One review per user per product. `user_id` references accounts by id (no foreign key
    across contexts); `author_name` is a snapshot for display."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    user_id = models.UUIDField(db_index=True)
    author_name = models.CharField(max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user_id"], name="review_once_per_user"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.product_id}"
