"""Input parsing and output shapes of the search API (API.md, Search)."""

from __future__ import annotations

from rest_framework import serializers

from apps.search.services import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, SORTS
from shop.api.fields import QueryBooleanField

MONEY = {"max_digits": 12, "decimal_places": 2}


# --- input -----------------------------------------------------------------------------


class SearchQuerySerializer(serializers.Serializer):
    """Types only; the rules (bounds, sort, window) are the service's (InvalidSearch)."""

    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH, help_text="The words to find (all must match)."
    )
    category = serializers.UUIDField(required=False, help_text="Category id; includes descendants.")
    brand = serializers.UUIDField(required=False, help_text="Brand id.")
    min_price = serializers.DecimalField(required=False, min_value=0, **MONEY)
    max_price = serializers.DecimalField(required=False, min_value=0, **MONEY)
    in_stock = QueryBooleanField()
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="relevance")
    page = serializers.IntegerField(required=False, default=1, min_value=1)
    page_size = serializers.IntegerField(
        required=False, default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE
    )


class SuggestQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, help_text="The prefix to complete.")


# --- output (for the schema; answers are rendered from the service's data) -------------


class SearchHitSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    brand = serializers.CharField(help_text="The brand's name.")
    price = serializers.DecimalField(**MONEY)
    in_stock = serializers.BooleanField()
    rating = serializers.DecimalField(max_digits=3, decimal_places=2)
    score = serializers.FloatField()


class BrandFacetSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    value = serializers.CharField(help_text="The brand's name.")
    count = serializers.IntegerField()


class CategoryFacetSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class PriceRangeFacetSerializer(serializers.Serializer):
    # `from` is a Python keyword: the field is declared under another name and renamed.
    from_ = serializers.DecimalField(**MONEY, help_text="Inclusive.")
    to = serializers.DecimalField(**MONEY, allow_null=True, help_text="Exclusive; null: no bound.")
    count = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class FacetsSerializer(serializers.Serializer):
    brands = BrandFacetSerializer(many=True)
    categories = CategoryFacetSerializer(many=True)
    price_ranges = PriceRangeFacetSerializer(many=True)


class SearchAnswerSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    facets = FacetsSerializer()


class SuggestionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    text = serializers.CharField()


class SuggestAnswerSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)
