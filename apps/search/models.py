"""The PostgreSQL search backend's data: one denormalised document per searchable product and
the vocabulary its typo tolerance looks words up in.

The documents are maintained for every deployment, Elasticsearch or not: they are what search
answers from when Elasticsearch is configured but unreachable.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models.functions import Left, Length

# The text search configuration of the weighted document (stemming: "laptops" finds "laptop").
DOCUMENT_CONFIG = "english"
# Suggestions complete the words of names as typed, unstemmed ("runn" -> "running").
NAMES_CONFIG = "simple"


class SearchDocument(models.Model):
    """One active product, as search shows, filters and ranks it. Written only by the search
    services (apps.search.services), from the catalog's and inventory's public services."""

    product_id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    brand_id = models.UUIDField(null=True, blank=True)
    brand_name = models.CharField(max_length=200, blank=True)
    category_id = models.UUIDField()
    category_path = models.CharField(max_length=1000)
    # The product's category and all its ancestors, root first, with their names (the same
    # order): the category filter includes descendants, the category facet needs the names.
    category_ids = ArrayField(models.UUIDField())
    category_names = ArrayField(models.CharField(max_length=200))
    price_min = models.DecimalField(max_digits=12, decimal_places=2)
    price_max = models.DecimalField(max_digits=12, decimal_places=2)
    in_stock = models.BooleanField()
    rating = models.DecimalField(max_digits=3, decimal_places=2)
    num_reviews = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    indexed_at = models.DateTimeField()  # when the document last changed
    # Relevance: name (A) above brand (B) above description (C).
    document = models.GeneratedField(
        expression=(
            SearchVector("name", config=DOCUMENT_CONFIG, weight="A")
            + SearchVector("brand_name", config=DOCUMENT_CONFIG, weight="B")
            + SearchVector("description", config=DOCUMENT_CONFIG, weight="C")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    name_words = models.GeneratedField(
        expression=SearchVector("name", config=NAMES_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = "search_document"
        indexes = [
            GinIndex(fields=["document"], name="search_document_gin"),
            GinIndex(fields=["name_words"], name="search_name_words_gin"),
            # Suggestions' order (most reviewed first): a broad prefix stops after a few rows.
            models.Index(
                fields=["-num_reviews", "-rating", "product_id"],
                name="search_document_popular_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SearchTerm(models.Model):
    """A word of the indexed documents (their stemmed lexemes and the plain words of names).

    Typo tolerance looks a query word up here: a word the documents do not contain is
    widened to the terms within a small edit distance, found through a trigram index and
    an index on (first letter, length). Terms of products gone from the index stay until
    the next rebuild; they only widen a query to something that matches nothing.
    """

    term = models.TextField(primary_key=True)

    class Meta:
        db_table = "search_term"
        indexes = [
            GistIndex(OpClass("term", name="gist_trgm_ops"), name="search_term_trgm_gist"),
            models.Index(Left("term", 1), Length("term"), name="search_term_head_length_idx"),
        ]

    def __str__(self) -> str:
        return self.term
