"""What search answers, whichever backend answered: plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class SearchHit:
    id: UUID
    name: str
    brand: str  # the brand's name ("" without a brand)
    price: Decimal  # the lowest variant price
    in_stock: bool
    rating: Decimal
    score: float  # the backend's relevance score (higher is better)


@dataclass(frozen=True)
class BrandCount:
    id: UUID
    value: str  # the brand's name
    count: int


@dataclass(frozen=True)
class CategoryCount:
    id: UUID
    name: str
    count: int  # products in the category or any of its descendants


@dataclass(frozen=True)
class PriceRangeCount:
    low: Decimal  # inclusive
    high: Decimal | None  # exclusive; None for the last bucket
    count: int


@dataclass(frozen=True)
class Facets:
    """Each facet counts with every active filter except its own (so a shopper sees what
    picking another brand would give, with the category and price filters kept)."""

    brands: tuple[BrandCount, ...]
    categories: tuple[CategoryCount, ...]
    price_ranges: tuple[PriceRangeCount, ...]


@dataclass(frozen=True)
class SearchResult:
    count: int  # hits matching the query and every filter
    hits: tuple[SearchHit, ...]  # the requested page
    facets: Facets
    backend: str  # "pg" or "es": which backend answered


@dataclass(frozen=True)
class Suggestion:
    id: UUID  # the product
    text: str  # its name


@dataclass(frozen=True)
class IndexSummary:
    indexed: int  # documents written (active products)
    removed: int  # documents removed (products archived, draft or gone)


@dataclass(frozen=True)
class RebuildSummary:
    backends: tuple[str, ...]
    documents: int
    seconds: float

    @property
    def documents_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def facets_sorted(facets: Facets) -> Facets:
    """The one order of facet values for both backends: most frequent first, then by name."""
    return Facets(
        brands=tuple(sorted(facets.brands, key=lambda b: (-b.count, b.value.lower(), str(b.id)))),
        categories=tuple(
            sorted(facets.categories, key=lambda c: (-c.count, c.name.lower(), str(c.id)))
        ),
        price_ranges=facets.price_ranges,
    )
