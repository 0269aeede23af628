"""Variant, category and product lookups for other apps (cart, inventory, orders, promotions)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from apps.catalog.models import Category, Product, Variant


@dataclass(frozen=True)
class VariantInfo:
    """A purchasable variant as other apps see it (cart, inventory, orders, promotions)."""

    id: UUID
    product_id: UUID
    sku: str
    name: str  # the product name, with the variant's attributes when it has any
    price: Decimal  # today's unit price: base_price + price_adjustment
    product_status: str  # active | draft | archived
    category_id: UUID
    category_path: str  # materialized path, e.g. "/clothing/shirts/" (for promotions)
    brand_id: UUID | None
    in_stock: bool  # the catalog's copy; exact checks ask inventory
    available: int

    @property
    def purchasable(self) -> bool:
        return self.product_status == Product.Status.ACTIVE


def _variant_name(product_name: str, attributes: dict) -> str:
    if not attributes:
        return product_name
    return f"{product_name} ({', '.join(str(v) for v in attributes.values())})"


def variants_get(variant_ids: Iterable[UUID | str]) -> dict[UUID, VariantInfo]:
    """Look up variants by id in one query; unknown ids are simply absent from the result."""
    ids = {UUID(str(variant_id)) for variant_id in variant_ids}
    if not ids:
        return {}
    rows = Variant.objects.filter(id__in=ids).select_related("product__category")
    return {
        variant.id: VariantInfo(
            id=variant.id,
            product_id=variant.product_id,
            sku=variant.sku,
            name=_variant_name(variant.product.name, variant.attributes),
            price=variant.price,
            product_status=variant.product.status,
            category_id=variant.product.category_id,
            category_path=variant.product.category.path,
            brand_id=variant.product.brand_id,
            in_stock=variant.in_stock,
            available=variant.available,
        )
        for variant in rows
    }


def category_paths_get(category_ids: Iterable[UUID | str]) -> dict[UUID, str]:
    """{category id: materialized path} in one query; unknown ids are absent. A category's
    descendants are the categories whose path starts with its path."""
    ids = {UUID(str(category_id)) for category_id in category_ids}
    if not ids:
        return {}
    return dict(Category.objects.filter(id__in=ids).values_list("id", "path"))


def product_ids_existing(product_ids: Iterable[UUID | str]) -> set[UUID]:
    """The ids among `product_ids` that name a product (whatever its status), one query."""
    ids = {UUID(str(product_id)) for product_id in product_ids}
    if not ids:
        return set()
    return set(Product.objects.filter(id__in=ids).values_list("id", flat=True))
