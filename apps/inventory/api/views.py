"""Staff inventory API (API.md, Inventory): parse, call one service, render."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from apps.inventory import services
from apps.inventory.api import serializers as s
from shop.idempotency import idempotent

_FILTERS = [
    OpenApiParameter("variant_id", OpenApiTypes.UUID, description="Only this variant"),
    OpenApiParameter("warehouse_id", OpenApiTypes.UUID, description="Only this warehouse"),
]


class _StaffView(GenericAPIView):
    permission_classes = [IsAdminUser]
    # Filters are parsed by the serializers below, not by django-filter.
    filter_backends: list = []

    def _paginated(self, rows, serializer_class):
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializer_class(page, many=True).data)


class WarehouseListCreateView(_StaffView):
    serializer_class = s.WarehouseSerializer

    @extend_schema(responses=s.WarehouseSerializer(many=True))
    def get(self, request):
        rows = [asdict(w) for w in services.warehouse_list()]
        return self._paginated(rows, s.WarehouseSerializer)

    @extend_schema(request=s.WarehouseSerializer, responses={201: s.WarehouseSerializer})
    def post(self, request):
        serializer = s.WarehouseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        warehouse = services.warehouse_create(**serializer.validated_data)
        return Response(s.WarehouseSerializer(asdict(warehouse)).data, status=201)


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class StockLevelListView(_StaffView):
    serializer_class = s.StockLevelSerializer

    @extend_schema(parameters=_FILTERS, responses=s.StockLevelSerializer(many=True))
    def get(self, request):
        query = _query(s.StockLevelFilterSerializer, request)
        variant_id = query.get("variant_id")
        levels = services.stock_levels(
            variant_ids=[variant_id] if variant_id else None,
            warehouse_id=query.get("warehouse_id"),
        )
        page = self.paginate_queryset(levels)
        rows = [
            {
                "variant_id": level.variant_id,
                "warehouse_id": level.warehouse_id,
                "quantity": level.quantity,
                "reserved": level.reserved,
                "available": level.available_units,
            }
            for level in page
        ]
        return self.get_paginated_response(s.StockLevelSerializer(rows, many=True).data)


class StockAdjustView(_StaffView):
    serializer_class = s.StockAdjustSerializer

    @extend_schema(request=s.StockAdjustSerializer, responses=s.StockLevelSerializer)
    @idempotent("inventory.adjust")
    def post(self, request):
        serializer = s.StockAdjustSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        level = services.stock_adjust(**serializer.validated_data)
        return Response(s.StockLevelSerializer(asdict(level)).data)


class MovementListView(_StaffView):
    serializer_class = s.MovementSerializer

    @extend_schema(parameters=_FILTERS, responses=s.MovementSerializer(many=True))
    def get(self, request):
        query = _query(s.MovementFilterSerializer, request)
        movements = services.movements_list(
            variant_id=query.get("variant_id"), warehouse_id=query.get("warehouse_id")
        )
        return self._paginated(movements, s.MovementSerializer)
