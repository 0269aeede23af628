"""What the search app indexes about products, read in a fixed number of queries per batch.

Search sits above the catalog and keeps its own denormalised documents; it reads the catalog
only through these two functions and learns about changes from `product.*` events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from apps.catalog.models import Category, Product, Variant


@dataclass(frozen=True)
class CategoryRef:
    id: UUID
    name: str
    path: str


@dataclass(frozen=True)
class ProductSearchSource:
    """One product as search sees it. `categories` is its category and every ancestor, root
    first (a search filtered by a category includes its descendants)."""

    id: UUID
    status: str  # active | draft | archived: only active products are searchable
    name: str
    description: str
    brand_id: UUID | None
    brand_name: str
    category_id: UUID
    category_path: str
    categories: tuple[CategoryRef, ...]
    price_min: Decimal  # the lowest variant price (the product's `price`)
    price_max: Decimal  # the highest variant price
    rating: Decimal
    num_reviews: int
    created_at: datetime
    variant_ids: tuple[UUID, ...]


_SOURCE_FIELDS = (
    "id", "status", "name", "description", "brand_id", "brand__name", "category_id",
    "category__path", "price", "rating", "num_reviews", "created_at",
)  # fmt: skip


def _ancestor_paths(path: str) -> list[str]:
    """'/a/b/c/' -> ['/a/', '/a/b/', '/a/b/c/']."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[: depth + 1]) + "/" for depth in range(len(parts))]


def products_search_source(*, product_ids: Iterable[UUID | str]) -> dict[UUID, ProductSearchSource]:
    """The search source of each product that exists, whatever its status (the caller drops
    what is not active); unknown ids are absent. Three queries, whatever the number of ids."""
    ids = {UUID(str(product_id)) for product_id in product_ids}
    if not ids:
        return {}
    # Plain rows, not model instances: a search rebuild reads the whole catalog through here.
    products = [
        dict(zip(_SOURCE_FIELDS, row, strict=True))
        for row in Product.objects.filter(id__in=ids).order_by().values_list(*_SOURCE_FIELDS)
    ]
    if not products:
        return {}
    variants: dict[UUID, list[UUID]] = {}
    highest: dict[UUID, Decimal] = {}
    rows = (
        Variant.objects.filter(product_id__in=[p["id"] for p in products])
        .order_by("product_id", "position", "sku")
        .values_list("product_id", "id", "price")
    )
    for product_id, variant_id, price in rows:
        variants.setdefault(product_id, []).append(variant_id)
        highest[product_id] = max(highest.get(product_id, price), price)
    paths = {path for p in products for path in _ancestor_paths(p["category__path"])}
    named = {
        path: CategoryRef(id=category_id, name=name, path=path)
        for category_id, name, path in Category.objects.filter(path__in=paths).values_list(
            "id", "name", "path"
        )
    }
    result = {}
    for p in products:
        result[p["id"]] = ProductSearchSource(
            id=p["id"],
            status=p["status"],
            name=p["name"],
            description=p["description"],
            brand_id=p["brand_id"],
            brand_name=p["brand__name"] or "",
            category_id=p["category_id"],
            category_path=p["category__path"],
            categories=tuple(
                named[path] for path in _ancestor_paths(p["category__path"]) if path in named
            ),
            price_min=p["price"],
            price_max=max(highest.get(p["id"], p["price"]), p["price"]),
            rating=p["rating"],
            num_reviews=p["num_reviews"],
            created_at=p["created_at"],
            variant_ids=tuple(variants.get(p["id"], ())),
        )
    return result


def product_ids_active(*, after: UUID | None = None, limit: int = 1000) -> list[UUID]:
    """Up to `limit` ids of active products in id order, after `after` (keyset pagination
    for bulk jobs such as a search rebuild: each call is one index range scan)."""
    products = Product.objects.filter(status=Product.Status.ACTIVE)
    if after is not None:
        products = products.filter(id__gt=after)
    return list(products.order_by("id").values_list("id", flat=True)[:limit])


def products_active_count() -> int:
    """How many products are active (the size of a full search rebuild)."""
    return Product.objects.filter(status=Product.Status.ACTIVE).count()
