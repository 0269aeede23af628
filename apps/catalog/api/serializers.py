"""Input parsing and output shapes of the catalog API (API.md, Catalog)."""

from __future__ import annotations

from rest_framework import serializers

from apps.catalog.models import Brand, Product, Review
from apps.catalog.services.detail import image_url
from apps.catalog.services.products import ORDERINGS
from shop.api.fields import MoneyField, QueryBooleanField, StrictCharField, StrictIntegerField

MONEY = {"max_digits": 12, "decimal_places": 2}


# --- input -----------------------------------------------------------------------------


class ProductListQuerySerializer(serializers.Serializer):
    category = serializers.UUIDField(required=False, help_text="Category id; includes descendants.")
    brand = serializers.UUIDField(required=False)
    min_price = serializers.DecimalField(required=False, **MONEY)
    max_price = serializers.DecimalField(required=False, **MONEY)
    in_stock = QueryBooleanField()
    status = serializers.ChoiceField(
        choices=Product.Status.choices, required=False, help_text="Staff only."
    )
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), required=False)


# Write bodies take JSON types as the schema states them (strings are strings, money is a
# decimal string): DRF would turn 5 into "5" and 5.5 into a price.


class VariantWriteSerializer(serializers.Serializer):
    id = serializers.UUIDField(required=False, help_text="Changes that variant; omit to add one.")
    sku = StrictCharField(max_length=100, required=False)
    attributes = serializers.DictField(required=False)
    price_adjustment = MoneyField(required=False)


class ProductWriteSerializer(serializers.Serializer):
    sku = StrictCharField(max_length=100)
    name = StrictCharField(max_length=500)
    description = StrictCharField(required=False, allow_blank=True, default="")
    category_id = serializers.UUIDField()
    brand_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    base_price = MoneyField()
    status = serializers.ChoiceField(
        choices=Product.Status.choices, required=False, default=Product.Status.ACTIVE
    )
    attributes = serializers.DictField(
        child=StrictCharField(max_length=500, allow_blank=True), required=False, default=dict
    )
    variants = VariantWriteSerializer(many=True, required=False)


class CategoryWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    slug = StrictCharField(max_length=200, required=False, allow_blank=True)
    parent_id = serializers.UUIDField(required=False, allow_null=True, default=None)


class BrandWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    slug = StrictCharField(max_length=200, required=False, allow_blank=True)


class ReviewWriteSerializer(serializers.Serializer):
    rating = StrictIntegerField(min_value=1, max_value=5)
    title = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    body = StrictCharField(required=False, allow_blank=True, default="")


# --- output ----------------------------------------------------------------------------


class BrandRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    path = serializers.CharField()


class ProductListItemSerializer(serializers.ModelSerializer):
    brand = BrandRefSerializer(allow_null=True)
    category = CategoryRefSerializer()
    image = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id", "sku", "slug", "name", "brand", "category", "price", "in_stock", "status",
            "rating", "num_reviews", "image",
        ]  # fmt: skip

    def get_image(self, product) -> str | None:
        return image_url(getattr(product, "image", None))


class VariantOutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sku = serializers.CharField()
    attributes = serializers.DictField()
    price_adjustment = serializers.DecimalField(**MONEY)
    price = serializers.DecimalField(**MONEY)
    in_stock = serializers.BooleanField()
    available = serializers.IntegerField()


class ImageOutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.CharField()
    alt_text = serializers.CharField()
    position = serializers.IntegerField()


class ProductDetailSerializer(serializers.Serializer):
    """The shape of the detail (rendered by `product_detail_get`; here for the schema)."""

    id = serializers.UUIDField()
    sku = serializers.CharField()
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    brand = BrandRefSerializer(allow_null=True)
    category = CategoryRefSerializer()
    base_price = serializers.DecimalField(**MONEY)
    price = serializers.DecimalField(**MONEY)
    in_stock = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Product.Status.choices)
    rating = serializers.DecimalField(max_digits=3, decimal_places=2)
    num_reviews = serializers.IntegerField()
    attributes = serializers.DictField(child=serializers.CharField())
    images = ImageOutSerializer(many=True)
    variants = VariantOutSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CategoryNodeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    path = serializers.CharField()
    level = serializers.IntegerField()
    children = serializers.ListField(child=serializers.DictField())


class CategorySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    path = serializers.CharField()
    level = serializers.IntegerField()
    parent_id = serializers.UUIDField(allow_null=True)


class BrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "name", "slug"]


class ReviewSerializer(serializers.ModelSerializer):
    # Public: the author shows as a display name ("Ada L."), never by user id or email.
    class Meta:
        model = Review
        fields = [
            "id",
            "product_id",
            "author_name",
            "rating",
            "title",
            "body",
            "created_at",
        ]
