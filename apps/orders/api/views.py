"""Checkout and orders endpoints: parse, call one service, render."""

from __future__ import annotations

import threading

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.orders import services
from apps.orders.api import serializers as s
from shop.idempotency import idempotent


def _data(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# One CheckoutResultSerializer per thread, its (nested) fields built once: building them is
# a deep copy of some fifty declared fields per response, which was ~7 % of a checkout's
# CPU (bench/profile_checkout.py). to_representation keeps no state between calls.
_renderers = threading.local()


def _checkout_body(result) -> dict:
    serializer = getattr(_renderers, "checkout", None)
    if serializer is None:
        serializer = _renderers.checkout = s.CheckoutResultSerializer()
    return serializer.to_representation(result)


def _actor(request) -> services.Actor:
    user = request.user
    return services.Actor.staff(user.id) if user.is_staff else services.Actor.customer(user.id)


class CheckoutPreviewView(APIView):
    """What checkout would charge (the checkout body); creates nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.CheckoutSerializer, responses={200: s.QuoteSerializer})
    def post(self, request):
        data = _data(s.CheckoutSerializer, request.data)
        quote = services.checkout_preview(user_id=request.user.id, **data)
        return Response(s.QuoteSerializer(quote).data)


class CheckoutView(APIView):
    """Place the cart as an order and open its payment: 201 {order, payment}. With an
    `Idempotency-Key` the first answer is replayed (looked up before the cart is read)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.CheckoutSerializer, responses={201: s.CheckoutResultSerializer})
    @idempotent("orders.checkout")
    def post(self, request):
        data = _data(s.CheckoutSerializer, request.data)
        result = services.checkout(user_id=request.user.id, email=request.user.email, **data)
        return Response(_checkout_body(result), status=status.HTTP_201_CREATED)


class ShippingMethodListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.ShippingMethodSerializer(many=True)})
    def get(self, request):
        methods = services.shipping_methods_list()
        return Response(s.ShippingMethodSerializer(methods, many=True).data)


class OrderListView(GenericAPIView):
    """Own orders, newest first; staff: everyone's, filtered by `status`, `user`,
    `created_after`."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.OrderSerializer
    filter_backends: list = []

    @extend_schema(
        # The filter serializer itself, so the schema carries the status enum it enforces.
        parameters=[s.OrderFilterSerializer],
        responses={200: s.OrderSerializer(many=True)},
    )
    def get(self, request):
        query = _data(s.OrderFilterSerializer, request.query_params)
        user_id = query.get("user") if request.user.is_staff else request.user.id
        orders = services.orders_list(
            user_id=user_id, status=query.get("status"), created_after=query.get("created_after")
        )
        page = self.paginate_queryset(orders)
        infos = [services.order_info(order) for order in page]
        return self.get_paginated_response(s.OrderSerializer(infos, many=True).data)


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.OrderSerializer})
    def get(self, request, order_id):
        owner = None if request.user.is_staff else request.user.id
        order = services.order_get(order_id=order_id, user_id=owner)
        return Response(s.OrderSerializer(order).data)


class OrderCancelView(APIView):
    """The owner before processing (pending, confirmed); staff also paid and processing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.OrderCancelSerializer, responses={200: s.OrderSerializer})
    def post(self, request, order_id):
        data = _data(s.OrderCancelSerializer, request.data)
        order = services.order_cancel(
            order_id=order_id, actor=_actor(request), reason=data.get("reason", "")
        )
        return Response(s.OrderSerializer(order).data)


class OrderStatusView(APIView):
    """Staff: processing, shipped (with tracking_number), delivered, returned, cancelled."""

    permission_classes = [IsAdminUser]

    @extend_schema(request=s.OrderStatusSerializer, responses={200: s.OrderSerializer})
    def post(self, request, order_id):
        data = _data(s.OrderStatusSerializer, request.data)
        order = services.order_status_set(
            order_id=order_id,
            status=data["status"],
            actor=services.Actor.staff(request.user.id),
            note=data.get("note", ""),
            tracking_number=data.get("tracking_number"),
        )
        return Response(s.OrderSerializer(order).data)


class OrderRefundView(APIView):
    """Staff: refund an amount, or lines at their value (discount and tax share included);
    never above what remains (400). With `Idempotency-Key` a replay answers the first refund.
    201 {id, amount, status}: `pending` when the provider could not be reached (retried)."""

    permission_classes = [IsAdminUser]

    @extend_schema(request=s.OrderRefundSerializer, responses={201: s.RefundSerializer})
    @idempotent("orders.refund")
    def post(self, request, order_id):
        data = _data(s.OrderRefundSerializer, request.data)
        refund = services.order_refund_create(
            order_id=order_id,
            actor=services.Actor.staff(request.user.id),
            amount=data.get("amount"),
            lines=data.get("lines"),
            reason=data.get("reason", ""),
        )
        return Response(s.RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class OrderReturnCreateView(APIView):
    """The owner of a delivered order (or staff) asks to return units: 201 `requested`."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.ReturnCreateSerializer, responses={201: s.ReturnSerializer})
    def post(self, request, order_id):
        data = _data(s.ReturnCreateSerializer, request.data)
        rma = services.return_create(
            order_id=order_id, actor=_actor(request), lines=data["lines"], reason=data["reason"]
        )
        return Response(s.ReturnSerializer(rma).data, status=status.HTTP_201_CREATED)


class ReturnListView(GenericAPIView):
    """Own returns, newest first (staff: everyone's)."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.ReturnSerializer
    filter_backends: list = []

    @extend_schema(responses={200: s.ReturnSerializer(many=True)})
    def get(self, request):
        returns = services.returns_list(user_id=None if request.user.is_staff else request.user.id)
        page = self.paginate_queryset(returns)
        infos = [services.return_info(rma) for rma in page]
        return self.get_paginated_response(s.ReturnSerializer(infos, many=True).data)


class ReturnDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.ReturnSerializer})
    def get(self, request, return_id):
        owner = None if request.user.is_staff else request.user.id
        return Response(
            s.ReturnSerializer(services.return_get(return_id=return_id, user_id=owner)).data
        )


class ReturnReceiveView(APIView):
    """Staff take the parcel in: per line the units that arrived and whether they go back
    into stock; the received units are refunded; the order is `returned` once every
    delivered unit came back."""

    permission_classes = [IsAdminUser]

    @extend_schema(request=s.ReturnReceiveSerializer, responses={200: s.ReturnSerializer})
    def post(self, request, return_id):
        data = _data(s.ReturnReceiveSerializer, request.data)
        rma = services.return_receive(
            return_id=return_id, actor=services.Actor.staff(request.user.id), lines=data["lines"]
        )
        return Response(s.ReturnSerializer(rma).data)
