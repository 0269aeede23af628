"""What search does, whichever backend answers: run against PostgreSQL always and against
Elasticsearch whenever ELASTICSEARCH_URL is set (tests/search/conftest.py). Every change
reaches the index the way it does in production: catalog or inventory services publish
outbox events, the search receivers queue indexing tasks (eager here), the tasks index."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.services import (
    brand_update,
    category_update,
    product_archive,
    product_update,
    review_create,
)
from apps.inventory.services import stock_adjust, warehouse_create
from apps.search import services
from apps.search.exceptions import InvalidSearch, SearchPageNotFound
from apps.search.services import SearchFilters
from tests.accounts.factories import UserFactory
from tests.catalog.factories import BrandFactory, CategoryFactory, product_via_services
from tests.search.conftest import names

pytestmark = pytest.mark.django_db


def ids(result) -> set:
    return {hit.id for hit in result.hits}


def test_the_backend_under_test_answers(shop):
    result = services.search(query="laptop")
    assert result.backend == shop["backend"]
    assert result.count == 2  # "Ultrabook 14" has no "laptop" in its name, brand or text


def test_a_name_match_ranks_above_a_brand_match_above_a_description_match(search_backend, indexed):
    category, trail = CategoryFactory(), BrandFactory(name="Trailhead", slug="trailhead")
    acme = BrandFactory(name="Acme", slug="acme")  # every product has a brand, as in a shop
    with indexed():
        in_description = product_via_services(
            name="Day Bag",
            category=category,
            brand=acme,
            description="Clips onto any trailhead sign.",
        )
        in_brand = product_via_services(
            name="Water Bottle", category=category, brand=trail, description="Holds a litre."
        )
        in_name = product_via_services(
            name="Trailhead Map", category=category, brand=acme, description="Folds small."
        )
    result = services.search(query="trailhead")
    assert [hit.id for hit in result.hits] == [in_name.id, in_brand.id, in_description.id]
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]


def test_every_word_must_match_somewhere(shop):
    assert names(services.search(query="northwind laptop")) == ["Northwind Budget Laptop"]
    assert services.search(query="northwind speaker").count == 0


def test_facets_count_with_every_filter_but_their_own(shop):
    northwind, laptops = shop["brands"]["northwind"], shop["categories"]["laptops"]
    computers = shop["categories"]["computers"]
    everything = services.search(query="made")  # every description says "Made to last."
    assert everything.count == 6

    result = services.search(
        query="made",
        filters=SearchFilters(
            brand_id=northwind.id, category_id=computers.id, min_price=Decimal("100")
        ),
    )
    # Hits: Northwind, under Computers, price >= 100 -> only the Ultrabook (999) and the
    # Budget Laptop (449).
    assert set(names(result)) == {"Northwind Budget Laptop", "Northwind Ultrabook 14"}
    assert result.count == 2
    # Brands: category Computers and price >= 100 apply, the brand filter does not:
    # Northwind 2 (ultrabook, budget), Bluepeak 1 (gaming).
    assert {(b.id, b.value, b.count) for b in result.facets.brands} == {
        (northwind.id, "Northwind", 2),
        (shop["brands"]["bluepeak"].id, "Bluepeak", 1),
    }
    # Categories: brand Northwind and price >= 100 apply, the category filter does not:
    # the headphones (79) are too cheap, so only the two laptops and their ancestors count.
    assert {(c.name, c.count) for c in result.facets.categories} == {
        ("Electronics", 2),
        ("Computers", 2),
        ("Laptops", 2),
    }
    # Prices: brand Northwind and category Computers apply, the price filter does not.
    assert [(r.low, r.high, r.count) for r in result.facets.price_ranges] == [
        (Decimal("0.00"), Decimal("50.00"), 0),
        (Decimal("50.00"), Decimal("100.00"), 0),
        (Decimal("100.00"), Decimal("500.00"), 1),
        (Decimal("500.00"), None, 1),
    ]
    assert laptops.id in {c.id for c in result.facets.categories}


def test_price_bounds_are_inclusive_and_buckets_half_open(shop):
    result = services.search(
        query="made", filters=SearchFilters(min_price=Decimal("45.00"), max_price=Decimal("79"))
    )
    assert set(names(result)) == {"Bluepeak Party Speaker", "Northwind Studio Headphones"}
    counts = [r.count for r in services.search(query="made").facets.price_ranges]
    assert counts == [2, 1, 1, 2]  # 39, 45 | 79 | 449 | 999, 1499


def test_category_filter_includes_descendants(shop):
    electronics = shop["categories"]["electronics"]
    result = services.search(query="made", filters=SearchFilters(category_id=electronics.id))
    assert result.count == 5
    assert "Oxford Shirt" not in names(result)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["Northwind Budget Laptop", "Bluepeak Gaming Laptop"]),
        ("price_desc", ["Bluepeak Gaming Laptop", "Northwind Budget Laptop"]),
    ],
)
def test_sort_orders(shop, sort, expected):
    assert names(services.search(query="laptop", sort=sort)) == expected


def test_newest_sort_and_pages(shop):
    first = services.search(query="made", sort="newest", page_size=4)
    second = services.search(query="made", sort="newest", page=2, page_size=4)
    assert first.count == second.count == 6
    assert len(first.hits) == 4 and len(second.hits) == 2
    assert names(first)[0] == "Oxford Shirt"  # made last
    assert not ids(first) & ids(second)
    with pytest.raises(SearchPageNotFound):
        services.search(query="made", page=3, page_size=4)
    assert services.search(query="nothingmatchesthis").count == 0  # page 1 of none: fine


def test_a_typo_in_a_query_word_still_finds_it(shop):
    assert set(names(services.search(query="lapton"))) == {
        "Bluepeak Gaming Laptop",
        "Northwind Budget Laptop",
    }
    assert names(services.search(query="headphonse")) == ["Northwind Studio Headphones"]


def test_suggest_completes_any_word_of_a_name_and_tolerates_one_typo(shop):
    laptops = {"Bluepeak Gaming Laptop", "Northwind Budget Laptop"}
    assert {s.text for s in services.suggest(prefix="lap")} == laptops
    assert {s.text for s in services.suggest(prefix="lsp")} == laptops  # one edit
    assert {s.text for s in services.suggest(prefix="lapt")} == laptops
    ultrabook = shop["products"]["ultrabook"]
    assert [(s.id, s.text) for s in services.suggest(prefix="ultrsbook")] == [
        (ultrabook.id, "Northwind Ultrabook 14")
    ]
    assert services.suggest(prefix="zzz") == ()
    assert services.suggest(prefix="l") == ()  # too short to complete
    with pytest.raises(InvalidSearch):
        services.suggest(prefix="  ")


def test_an_archived_product_is_gone(shop, indexed):
    gaming = shop["products"]["gaming"]
    with indexed():
        product_archive(product_id=gaming.id)
    assert gaming.id not in ids(services.search(query="laptop"))
    assert gaming.id not in {s.id for s in services.suggest(prefix="gaming")}
    with indexed():
        product_update(product_id=gaming.id, status="active")
    assert gaming.id in ids(services.search(query="laptop"))


def test_a_price_change_is_reflected_after_the_event(shop, indexed):
    budget = shop["products"]["budget"]
    with indexed():
        product_update(product_id=budget.id, base_price=Decimal("549.00"))
    hit = next(h for h in services.search(query="budget").hits)
    assert hit.price == Decimal("549.00")
    cheap = services.search(query="laptop", filters=SearchFilters(max_price=Decimal("500")))
    assert cheap.count == 0


def test_a_stock_change_is_reflected_after_the_event(shop, indexed):
    headphones = shop["products"]["headphones"]
    variant_id = headphones.variants.get().id
    assert services.search(query="headphones").hits[0].in_stock is False
    assert services.search(query="made", filters=SearchFilters(in_stock=True)).count == 0
    with indexed():
        warehouse = warehouse_create(code="MAIN", name="Main")
        stock_adjust(variant_id=variant_id, warehouse_id=warehouse.id, delta=3, reason="in")
    assert services.search(query="headphones").hits[0].in_stock is True
    in_stock = services.search(query="made", filters=SearchFilters(in_stock=True))
    assert names(in_stock) == ["Northwind Studio Headphones"]
    with indexed():
        stock_adjust(variant_id=variant_id, warehouse_id=warehouse.id, delta=-3, reason="out")
    assert services.search(query="headphones").hits[0].in_stock is False


def test_a_category_move_is_reflected(shop, indexed):
    audio, clothing = shop["categories"]["audio"], shop["categories"]["clothing"]
    with indexed():
        category_update(category_id=audio.id, parent_id=clothing.id, name="Sound")
    under_clothing = services.search(query="made", filters=SearchFilters(category_id=clothing.id))
    assert set(names(under_clothing)) == {
        "Oxford Shirt",
        "Northwind Studio Headphones",
        "Bluepeak Party Speaker",
    }
    facets = {c.name: c.count for c in services.search(query="speaker").facets.categories}
    assert facets == {"Clothing": 1, "Sound": 1}
    electronics = shop["categories"]["electronics"]
    in_electronics = services.search(
        query="made", filters=SearchFilters(category_id=electronics.id)
    )
    assert in_electronics.count == 3


def test_a_brand_rename_is_reflected(shop, indexed):
    bluepeak = shop["brands"]["bluepeak"]
    with indexed():
        brand_update(brand_id=bluepeak.id, name="Summit", slug="summit")
    result = services.search(query="summit")
    assert {hit.brand for hit in result.hits} == {"Summit"}
    assert result.count == 3  # found through the brand field
    assert {b.value for b in services.search(query="made").facets.brands} == {
        "Summit",
        "Northwind",
    }


def test_a_review_moves_the_rating(shop, indexed):
    speaker = shop["products"]["speaker"]
    with indexed():
        review_create(product_id=speaker.id, user_id=UserFactory().id, rating=4, author_name="A")
    top = services.search(query="made", sort="rating").hits[0]
    assert (top.id, top.rating) == (speaker.id, Decimal("4.00"))
