"""Catalog endpoints: parse, call one service, render. Reads are public (active products
only), writes are staff-only; reviews need a signed-in user."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from urllib.parse import urlencode

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param

from apps.catalog import services
from apps.catalog.api import serializers as s
from shop.api.pagination import PageNumberPagination, page_number_of, page_size_of

PAGINATION = PageNumberPagination


def product_detail_fast(request, product_id) -> bytes | None:
    """The cached detail for the anonymous fast path (shop.api.fastpath)."""
    return services.product_detail_cached_body(product_id=product_id)


def category_tree_fast(request) -> bytes | None:
    """The cached category tree for the anonymous fast path (shop.api.fastpath)."""
    return services.category_tree_cached_body()


def product_list_fast(request, **kwargs) -> bytes | None:
    """The cached list page for the anonymous fast path (same key as `_render_list`)."""
    fixed = ("category",) if "category_id" in kwargs else ()
    page_url = public_list_url(request, request.GET, fixed=fixed)
    if page_url is None:
        return None
    return services.product_list_cached_body(request_key=page_url)


# The canonical form of a list query is a pure function of the path and the query string:
# each process keeps what it worked out (bounded: past the limit it starts over), so a hot
# page's key costs a dict lookup, not a serializer's validation.
_CANONICAL: dict[tuple[str, str, tuple[str, ...]], str | None] = {}
_CANONICAL_MAX = 10_000


def public_list_url(request, query_params, *, fixed: Iterable[str] = ()) -> str | None:
    """The canonical URL of a public list page, which is its cache key and the base of its
    next/previous links: the path without a trailing slash and only the known parameters,
    validated and normalized (`min_price=5` → `5.00`, `page=1` and the default page size
    left out), sorted. Unknown parameters are ignored, so random query strings cannot grow
    the cache (nor reach a cached page's links). None when the query is invalid or the page
    is not a plain number: such requests are answered (400 / 404) without the cache.
    `fixed` names parameters the path decides (a category's products), left out too."""
    key = (request.path, request.META.get("QUERY_STRING", ""), tuple(fixed))
    try:
        relative = _CANONICAL[key]
    except KeyError:
        relative = _canonical_list_path(request.path, query_params, fixed)
        if len(_CANONICAL) >= _CANONICAL_MAX:
            _CANONICAL.clear()
        _CANONICAL[key] = relative
    return None if relative is None else request.build_absolute_uri(relative)


def _canonical_list_path(path: str, query_params, fixed: Iterable[str]) -> str | None:
    query = s.ProductListQuerySerializer(data=query_params)
    if not query.is_valid():
        return None
    params: dict[str, str] = {}
    for name, value in query.validated_data.items():
        # `status` is for staff, whose lists are live.
        if value is None or name == "status" or name in fixed:
            continue
        params[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    # Both read exactly as the paginator reads them (int(), so " 2" and "+2" are 2), or the
    # page built for the request would not be the page its key names.
    page = page_number_of(query_params.get(PAGINATION.page_query_param))
    if page is None:
        return None  # not a page number ("last" too): the paginator answers it, uncached
    if page > 1:
        params[PAGINATION.page_query_param] = str(page)
    try:
        size = page_size_of(query_params.get(PAGINATION.page_size_query_param))
    except ValidationError:
        return None  # answered 400 by the paginator, uncached
    if size != PAGINATION.page_size:
        params[PAGINATION.page_size_query_param] = str(size)
    path = path.rstrip("/")
    return f"{path}?{urlencode(sorted(params.items()))}".rstrip("?")


class _CountedQuerySet:
    """A queryset whose count() comes from elsewhere (the cached count of its filter set), as
    Django's paginator reads it: count() and slices."""

    ordered = True

    def __init__(self, queryset, count):
        self.queryset, self._count = queryset, count

    def count(self) -> int:
        return self._count()

    def __getitem__(self, index):
        return self.queryset[index]


def _is_staff(request) -> bool:
    return bool(request.user and request.user.is_staff)


def _path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH)


class _CatalogView(GenericAPIView):
    # Filters are parsed by our own query serializers, not by django-filter.
    filter_backends: list = []


class _ProductListMixin:
    def _render_list(self, request, **fixed):
        page_url = None
        if not _is_staff(request):
            page_url = public_list_url(request, request.query_params, fixed=tuple(fixed))
        if page_url is None:
            # Staff lists are live; an invalid query answers its 400 or 404 uncached.
            return Response(self._build_page(request, fixed))
        # The public lists are served from a page cache that every change they show retires;
        # the key is the canonical URL, which the page's (absolute) links are built from too.
        request.page_url = page_url
        body = services.product_list_page(
            request_key=page_url,
            build=functools.partial(self._build_page, request, fixed),
        )
        return HttpResponse(body, content_type="application/json")

    def _build_page(self, request, fixed) -> dict:
        query = s.ProductListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = {**query.validated_data, **fixed}
        products = services.products_filter(
            include_hidden=_is_staff(request),
            category_id=params.get("category"),
            brand_id=params.get("brand"),
            min_price=params.get("min_price"),
            max_price=params.get("max_price"),
            in_stock=params.get("in_stock"),
            status=params.get("status"),
            ordering=params.get("ordering"),
        )
        page_url = getattr(request, "page_url", None)
        if page_url is not None:  # a public page: its filter set's count is cached
            filters = remove_query_param(
                remove_query_param(page_url, PAGINATION.page_query_param),
                PAGINATION.page_size_query_param,
            )
            products = _CountedQuerySet(
                products,
                functools.partial(
                    services.product_list_count, filters_key=filters, count=products.count
                ),
            )
        page = self.paginate_queryset(products)
        items = s.ProductListItemSerializer(page, many=True).data
        return self.get_paginated_response(items).data


class ProductListCreateView(_ProductListMixin, _CatalogView):
    serializer_class = s.ProductListItemSerializer

    def get_permissions(self):
        return [IsAdminUser()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        parameters=[s.ProductListQuerySerializer], responses=s.ProductListItemSerializer(many=True)
    )
    def get(self, request):
        return self._render_list(request)

    @extend_schema(request=s.ProductWriteSerializer, responses={201: s.ProductDetailSerializer})
    def post(self, request):
        data = s.ProductWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(**data.validated_data)
        detail = services.product_detail_get(product_id=product.id, include_hidden=True)
        return Response(detail, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[_path_id("product_id")])
class ProductDetailView(_CatalogView):
    serializer_class = s.ProductDetailSerializer

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAdminUser()]

    @extend_schema(responses=s.ProductDetailSerializer)
    def get(self, request, product_id):
        body = services.product_detail_body(
            product_id=product_id, include_hidden=_is_staff(request)
        )
        return HttpResponse(body, content_type="application/json")

    def _update(self, request, product_id, *, partial: bool):
        data = s.ProductWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.product_update(product_id=product_id, **data.validated_data)
        return Response(services.product_detail_get(product_id=product_id, include_hidden=True))

    @extend_schema(request=s.ProductWriteSerializer, responses=s.ProductDetailSerializer)
    def put(self, request, product_id):
        return self._update(request, product_id, partial=False)

    @extend_schema(request=s.ProductWriteSerializer, responses=s.ProductDetailSerializer)
    def patch(self, request, product_id):
        return self._update(request, product_id, partial=True)

    @extend_schema(responses={204: OpenApiResponse(description="Archived.")})
    def delete(self, request, product_id):
        services.product_archive(product_id=product_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryListCreateView(_CatalogView):
    serializer_class = s.CategorySerializer
    pagination_class = None  # the tree is not paginated (API.md, Lists)

    def get_permissions(self):
        return [IsAdminUser()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(responses=s.CategoryNodeSerializer(many=True))
    def get(self, request):
        return HttpResponse(services.category_tree_body(), content_type="application/json")

    @extend_schema(request=s.CategoryWriteSerializer, responses={201: s.CategorySerializer})
    def post(self, request):
        data = s.CategoryWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.category_create(**data.validated_data)
        return Response(s.CategorySerializer(category).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[_path_id("category_id")])
class CategoryDetailView(_CatalogView):
    serializer_class = s.CategorySerializer

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAdminUser()]

    @extend_schema(responses=s.CategorySerializer)
    def get(self, request, category_id):
        return Response(s.CategorySerializer(services.category_get(category_id=category_id)).data)

    @extend_schema(request=s.CategoryWriteSerializer, responses=s.CategorySerializer)
    def patch(self, request, category_id):
        data = s.CategoryWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        category = services.category_update(category_id=category_id, **data.validated_data)
        return Response(s.CategorySerializer(category).data)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted.")})
    def delete(self, request, category_id):
        services.category_delete(category_id=category_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[_path_id("category_id")])
class CategoryProductListView(_ProductListMixin, _CatalogView):
    serializer_class = s.ProductListItemSerializer

    @extend_schema(
        parameters=[s.ProductListQuerySerializer], responses=s.ProductListItemSerializer(many=True)
    )
    def get(self, request, category_id):
        services.category_get(category_id=category_id)  # 404 for an unknown category
        return self._render_list(request, category=category_id)


class BrandListCreateView(_CatalogView):
    serializer_class = s.BrandSerializer

    def get_permissions(self):
        return [IsAdminUser()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(responses=s.BrandSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(services.brands_list())
        return self.get_paginated_response(s.BrandSerializer(page, many=True).data)

    @extend_schema(request=s.BrandWriteSerializer, responses={201: s.BrandSerializer})
    def post(self, request):
        data = s.BrandWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        brand = services.brand_create(**data.validated_data)
        return Response(s.BrandSerializer(brand).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[_path_id("product_id")])
class ProductReviewListCreateView(_CatalogView):
    serializer_class = s.ReviewSerializer

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(responses=s.ReviewSerializer(many=True))
    def get(self, request, product_id):
        reviews = services.reviews_list(product_id=product_id, include_hidden=_is_staff(request))
        page = self.paginate_queryset(reviews)
        return self.get_paginated_response(s.ReviewSerializer(page, many=True).data)

    @extend_schema(request=s.ReviewWriteSerializer, responses={201: s.ReviewSerializer})
    def post(self, request, product_id):
        data = s.ReviewWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(
            product_id=product_id,
            user_id=request.user.pk,
            include_hidden=_is_staff(request),
            **data.validated_data,
        )
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)
