"""Search documents, built from the catalog's and inventory's public services only.

`in_stock` comes from inventory's availability (its truth) rather than the catalog's copy, so
reindexing on `stock.changed` never races the catalog's own handler of the same event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from apps.catalog.services import products_search_source
from apps.inventory.services import availability

ACTIVE = "active"


@dataclass(frozen=True)
class SearchDocumentData:
    """One searchable product, the same for every backend."""

    product_id: UUID
    name: str
    description: str
    brand_id: UUID | None
    brand_name: str
    category_id: UUID
    category_path: str
    # The category and its ancestors, root first, with names and paths in the same order.
    category_ids: tuple[UUID, ...]
    category_names: tuple[str, ...]
    category_paths: tuple[str, ...]
    price_min: Decimal
    price_max: Decimal
    in_stock: bool
    rating: Decimal
    num_reviews: int
    created_at: datetime


def documents_load(
    product_ids: Iterable[UUID],
) -> tuple[list[SearchDocumentData], list[UUID]]:
    """(documents of the active products among `product_ids`, the other ids: archived, draft
    or unknown products whose documents must go). Four queries, whatever the number of ids."""
    ids = sorted({UUID(str(product_id)) for product_id in product_ids})
    sources = products_search_source(product_ids=ids)
    active = [sources[i] for i in ids if i in sources and sources[i].status == ACTIVE]
    stock = availability([v for source in active for v in source.variant_ids])
    documents = [
        SearchDocumentData(
            product_id=source.id,
            name=source.name,
            description=source.description,
            brand_id=source.brand_id,
            brand_name=source.brand_name,
            category_id=source.category_id,
            category_path=source.category_path,
            category_ids=tuple(c.id for c in source.categories),
            category_names=tuple(c.name for c in source.categories),
            category_paths=tuple(c.path for c in source.categories),
            price_min=source.price_min,
            price_max=source.price_max,
            in_stock=any(stock.get(v, 0) > 0 for v in source.variant_ids),
            rating=source.rating,
            num_reviews=source.num_reviews,
            created_at=source.created_at,
        )
        for source in active
    ]
    indexed = {document.product_id for document in documents}
    return documents, [i for i in ids if i not in indexed]
