"""Search endpoints: parse, call one service, render. Public; answers are cached (the same
for everyone) and anonymous cache hits skip DRF (shop.api.fastpath)."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apps.search import services
from apps.search.api import serializers as s


def search_fast(request, **kwargs) -> bytes | None:
    """The cached answer for the anonymous fast path (same key as the views use)."""
    return services.search_answer_cached(request_key=request.build_absolute_uri())


def _money(value) -> str:
    return f"{value:.2f}"


def _page_link(url: str, page: int, last: int) -> str | None:
    if page < 1 or page > last:
        return None
    return remove_query_param(url, "page") if page == 1 else replace_query_param(url, "page", page)


def _search_body(request) -> dict[str, Any]:
    query = s.SearchQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    result = services.search(
        query=params["q"],
        filters=services.SearchFilters(
            category_id=params.get("category"),
            brand_id=params.get("brand"),
            min_price=params.get("min_price"),
            max_price=params.get("max_price"),
            in_stock=params.get("in_stock"),
        ),
        sort=params["sort"],
        page=params["page"],
        page_size=params["page_size"],
    )
    url, page, size = request.build_absolute_uri(), params["page"], params["page_size"]
    last = max(1, -(-result.count // size))
    return {
        "count": result.count,
        "results": [
            {
                "id": str(hit.id),
                "name": hit.name,
                "brand": hit.brand,
                "price": _money(hit.price),
                "in_stock": hit.in_stock,
                "rating": _money(hit.rating),
                "score": hit.score,
            }
            for hit in result.hits
        ],
        "next": _page_link(url, page + 1, last),
        "previous": _page_link(url, page - 1, last),
        "facets": {
            "brands": [
                {"id": str(b.id), "value": b.value, "count": b.count} for b in result.facets.brands
            ],
            "categories": [
                {"id": str(c.id), "name": c.name, "count": c.count}
                for c in result.facets.categories
            ],
            "price_ranges": [
                {
                    "from": _money(r.low),
                    "to": _money(r.high) if r.high is not None else None,
                    "count": r.count,
                }
                for r in result.facets.price_ranges
            ],
        },
    }


def _suggest_body(request) -> dict[str, Any]:
    query = s.SuggestQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    suggestions = services.suggest(prefix=query.validated_data["q"])
    return {"suggestions": [{"id": str(x.id), "text": x.text} for x in suggestions]}


class _SearchView(GenericAPIView):
    permission_classes = [AllowAny]
    filter_backends: list = []
    pagination_class = None  # pages are the service's (the window, facets, 404 past the end)

    def _answer(self, request, build) -> HttpResponse:
        body = services.search_answer(
            request_key=request.build_absolute_uri(), build=functools.partial(build, request)
        )
        return HttpResponse(body, content_type="application/json")


class SearchView(_SearchView):
    serializer_class = s.SearchAnswerSerializer

    @extend_schema(parameters=[s.SearchQuerySerializer], responses=s.SearchAnswerSerializer)
    def get(self, request):
        return self._answer(request, _search_body)


class SearchSuggestView(_SearchView):
    serializer_class = s.SuggestAnswerSerializer

    @extend_schema(parameters=[s.SuggestQuerySerializer], responses=s.SuggestAnswerSerializer)
    def get(self, request):
        return self._answer(request, _suggest_body)
