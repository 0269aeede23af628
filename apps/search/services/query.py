"""What a search may ask, checked once for every backend: the rules of `q`, filters, sort and
pages (API.md, Search), and how a query is cut into words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from apps.search.exceptions import InvalidSearch
from shop.errors import InvalidInput, parse_uuid

SORTS = ("relevance", "price_asc", "price_desc", "rating", "newest")
MAX_QUERY_LENGTH = 200
MAX_WORDS = 10  # words past the tenth are ignored: a query is not a document
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Elasticsearch answers at most 10,000 hits deep (index.max_result_window); PostgreSQL keeps
# the same window so both backends refuse the same pages.
RESULT_WINDOW = 10_000
MAX_PRICE = Decimal("9999999999.99")  # the catalog's numeric(12, 2)
# The fixed price facet buckets [0,50) [50,100) [100,500) [500,∞) of API.md.
PRICE_BUCKETS: tuple[tuple[Decimal, Decimal | None], ...] = (
    (Decimal("0.00"), Decimal("50.00")),
    (Decimal("50.00"), Decimal("100.00")),
    (Decimal("100.00"), Decimal("500.00")),
    (Decimal("500.00"), None),
)
FACET_SIZE = 50  # values per facet, most frequent first
SUGGEST_MIN_LENGTH = 2  # one letter completes to half the catalog: no suggestions yet
SUGGEST_LIMIT = 10

_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> tuple[str, ...]:
    """The lower-cased words of `text` (letters and digits; punctuation separates), at most
    MAX_WORDS. Both backends search the same words."""
    return tuple(_WORD.findall(text.lower()))[:MAX_WORDS]


def edits_allowed(word: str) -> int:
    """Elasticsearch's `fuzziness: AUTO`, which the PostgreSQL backend copies: no typo in
    words of 1-2 characters, one in 3-5, two from 6 on."""
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2


@dataclass(frozen=True)
class SearchFilters:
    """Filters of a search; None means "not filtered". `category_id` includes descendants,
    price bounds are inclusive and apply to the product's price (its lowest variant price)."""

    category_id: UUID | None = None
    brand_id: UUID | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None


@dataclass(frozen=True)
class SearchQuery:
    """A checked search request, as the backends receive it."""

    text: str
    words: tuple[str, ...]
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def _text_errors(errors: dict[str, list[str]], name: str, value: Any) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[name] = ["Must be a string."]
        return ""
    if not text:
        errors[name] = ["This field may not be blank."]
    elif len(text) > MAX_QUERY_LENGTH:
        errors[name] = [f"Ensure this field has no more than {MAX_QUERY_LENGTH} characters."]
    return text


def _price(errors: dict[str, list[str]], name: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        price = Decimal(str(value))
    except ArithmeticError:
        errors[name] = ["A valid number is required."]
        return None
    if not price.is_finite():
        errors[name] = ["A valid number is required."]
    elif price < 0:
        errors[name] = ["Must not be negative."]
    elif price > MAX_PRICE:
        errors[name] = [f"Must not exceed {MAX_PRICE}."]
    else:
        return price
    return None


def search_query_build(
    *,
    query: str,
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> SearchQuery:
    """Check a search request against the rules of API.md and return it as backends take it.

    Raises `InvalidSearch` naming every bad parameter at once: `q` blank or longer than
    MAX_QUERY_LENGTH, an unknown `sort`, a negative price bound or `min_price` above
    `max_price`, `page` below 1, `page_size` outside 1..MAX_PAGE_SIZE, or a page past the
    RESULT_WINDOW. (A page past the last result is a 404, known only after searching.)
    """
    errors: dict[str, list[str]] = {}
    filters = filters or SearchFilters()
    text = _text_errors(errors, "q", query)
    if sort not in SORTS:
        errors["sort"] = [f'"{sort}" is not a valid choice; one of {", ".join(SORTS)}.']
    low = _price(errors, "min_price", filters.min_price)
    high = _price(errors, "max_price", filters.max_price)
    if low is not None and high is not None and low > high:
        errors["max_price"] = ["Must not be below min_price."]
    category_id = brand_id = None
    if filters.category_id is not None:
        try:
            category_id = parse_uuid(filters.category_id, "category")
        except InvalidInput as exc:
            errors.update(exc.details)
    if filters.brand_id is not None:
        try:
            brand_id = parse_uuid(filters.brand_id, "brand")
        except InvalidInput as exc:
            errors.update(exc.details)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        errors["page"] = ["Must be a whole number of 1 or more."]
    size_ok = isinstance(page_size, int) and not isinstance(page_size, bool)
    if not size_ok or not 1 <= page_size <= MAX_PAGE_SIZE:
        errors["page_size"] = [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]
    if "page" not in errors and "page_size" not in errors and page * page_size > RESULT_WINDOW:
        errors["page"] = [
            f"Only the first {RESULT_WINDOW} results can be paged through; narrow the search."
        ]
    if errors:
        raise InvalidSearch(details=errors)
    return SearchQuery(
        text=text,
        words=words_of(text),
        filters=SearchFilters(
            category_id=category_id,
            brand_id=brand_id,
            min_price=low,
            max_price=high,
            in_stock=filters.in_stock,
        ),
        sort=sort,
        page=page,
        page_size=page_size,
    )


def suggest_prefix_check(prefix: Any) -> str:
    """The stripped prefix of a suggest request. Raises `InvalidSearch` when it is blank or
    longer than MAX_QUERY_LENGTH."""
    errors: dict[str, list[str]] = {}
    text = _text_errors(errors, "q", prefix)
    if errors:
        raise InvalidSearch(details=errors)
    return text
