"""Staff promotions API (API.md, Inventory and promotions): parse, call one service, render."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from apps.promotions import services
from apps.promotions.api import serializers as s

# What PUT sets a field to when the body leaves it out (a full replacement; an omitted
# start_date keeps the promotion's own).
_PUT_DEFAULTS = {
    "code": None,
    "value": Decimal("0.00"),
    "conditions": None,
    "max_uses": None,
    "max_uses_per_user": None,
    "end_date": None,
    "active": True,
    "stackable": False,
    "priority": 100,
}


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _body(promotion: services.PromotionInfo) -> dict:
    return s.PromotionSerializer(asdict(promotion)).data


class _StaffView(GenericAPIView):
    permission_classes = [IsAdminUser]
    # Filters are parsed by the serializers below, not by django-filter.
    filter_backends: list = []


class PromotionListCreateView(_StaffView):
    serializer_class = s.PromotionSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, description="This code, any case"),
            OpenApiParameter("active", OpenApiTypes.BOOL, description="Active or not"),
        ],
        responses=s.PromotionSerializer(many=True),
    )
    def get(self, request):
        query = _valid(s.PromotionFilterSerializer, request.query_params)
        promotions = services.promotions_filter(code=query.get("code"), active=query["active"])
        page = self.paginate_queryset(promotions)
        return self.get_paginated_response(
            [_body(services.promotion_info(promotion)) for promotion in page]
        )

    @extend_schema(request=s.PromotionWriteSerializer, responses={201: s.PromotionSerializer})
    def post(self, request):
        data = _valid(s.PromotionWriteSerializer, request.data)
        promotion = services.promotion_create(**data)
        return Response(_body(promotion), status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("promotion_id", OpenApiTypes.UUID, "path")])
class PromotionDetailView(_StaffView):
    serializer_class = s.PromotionSerializer

    @extend_schema(responses=s.PromotionSerializer)
    def get(self, request, promotion_id):
        return Response(_body(services.promotion_get(promotion_id=promotion_id)))

    @extend_schema(request=s.PromotionWriteSerializer, responses=s.PromotionSerializer)
    def put(self, request, promotion_id):
        data = _valid(s.PromotionWriteSerializer, request.data)
        data = {**_PUT_DEFAULTS, **data}
        promotion = services.promotion_update(promotion_id=promotion_id, **data)
        return Response(_body(promotion))

    @extend_schema(request=s.PromotionWriteSerializer, responses=s.PromotionSerializer)
    def patch(self, request, promotion_id):
        data = _valid(s.PromotionWriteSerializer, request.data, partial=True)
        promotion = services.promotion_update(promotion_id=promotion_id, **data)
        return Response(_body(promotion))

    @extend_schema(responses={204: OpenApiResponse(description="Deleted.")})
    def delete(self, request, promotion_id):
        services.promotion_delete(promotion_id=promotion_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
