"""Variant, category and product lookups for other apps (cart, inventory, orders, promotions)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from apps.catalog.models import Category, Product, Variant
from apps.catalog.services.detail import product_details_many, variant_products_cached


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


# A variant never changes product, so which product a variant belongs to is kept in-process
# once learned (from a detail the cart read, or one query); a deleted variant simply is not
# in its product's detail any more. Bounded: past the limit it starts over.
_PRODUCT_OF: dict[UUID, UUID] = {}
_PRODUCT_OF_MAX = 200_000
_product_of_lock = threading.Lock()


def _remember_products(pairs: Iterable[tuple[UUID, UUID]]) -> None:
    with _product_of_lock:
        if len(_PRODUCT_OF) > _PRODUCT_OF_MAX:
            _PRODUCT_OF.clear()
        _PRODUCT_OF.update(pairs)


def _infos_from_detail(
    product_id: UUID, status: str, detail: dict[str, Any]
) -> dict[UUID, VariantInfo]:
    category = detail["category"]
    category_id = UUID(category["id"])
    brand = detail["brand"]
    brand_id = UUID(brand["id"]) if brand else None
    infos = {}
    for variant in detail["variants"]:
        info = VariantInfo(
            id=UUID(variant["id"]),
            product_id=product_id,
            sku=variant["sku"],
            name=_variant_name(detail["name"], variant["attributes"]),
            price=Decimal(variant["price"]),
            product_status=status,
            category_id=category_id,
            category_path=category["path"],
            brand_id=brand_id,
            in_stock=variant["in_stock"],
            available=variant["available"],
        )
        infos[info.id] = info
    return infos


# The VariantInfos built from the parsed detail a product's entry gave this process last:
# the details are shared, read-only dicts (product_details_many), so while it hands out the
# same dict the infos are the same (the memo holds the dict, so its identity is not reused).
_INFOS: dict[UUID, tuple[dict[str, Any], str, dict[UUID, VariantInfo]]] = {}
_INFOS_MAX = 5_000


def _variant_infos(
    product_id: UUID, status: str, detail: dict[str, Any]
) -> dict[UUID, VariantInfo]:
    memo = _INFOS.get(product_id)
    if memo is not None and memo[0] is detail and memo[1] == status:
        return memo[2]
    infos = _infos_from_detail(product_id, status, detail)
    _remember_products((variant_id, product_id) for variant_id in infos)
    if len(_INFOS) >= _INFOS_MAX:
        _INFOS.clear()
    _INFOS[product_id] = (detail, status, infos)
    return infos


def variants_get_cached(
    variant_ids: Iterable[UUID | str], *, products: Mapping[UUID, UUID] | None = None
) -> dict[UUID, VariantInfo]:
    """`variants_get` from the cached product details (the same snapshot the detail endpoint
    serves, dropped on commit of every change it shows): no query when they are cached.

    `products` maps variant ids to the product ids the caller already knows (a cart line
    keeps its product); the others are looked up in-process or with one query. `available`
    and `in_stock` are the catalog's copy of the stock (a check, not a reservation: checkout
    asks inventory exactly). Unknown ids are absent from the result.
    """
    ids = {v if type(v) is UUID else UUID(str(v)) for v in variant_ids}
    if not ids:
        return {}
    product_of = {v: p for v, p in (products or {}).items() if v in ids}
    for variant_id in ids - product_of.keys():
        if (product_id := _PRODUCT_OF.get(variant_id)) is not None:
            product_of[variant_id] = product_id
    unknown = ids - product_of.keys()
    if unknown:
        cached = variant_products_cached(unknown)
        _remember_products(cached.items())
        product_of.update(cached)
        unknown -= cached.keys()
    if unknown:
        rows = list(Variant.objects.filter(id__in=unknown).values_list("id", "product_id"))
        _remember_products(rows)
        product_of.update(rows)
    details = product_details_many(set(product_of.values()))
    infos = {
        product_id: _variant_infos(product_id, status, detail)
        for product_id, (status, detail) in details.items()
    }
    result: dict[UUID, VariantInfo] = {}
    for variant_id, product_id in product_of.items():
        info = infos.get(product_id, {}).get(variant_id)
        if info is not None:
            result[variant_id] = info
    return result


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
