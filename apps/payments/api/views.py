"""Payments endpoints: parse, call one service, render."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.payments import services
from apps.payments.api.serializers import DummyOutcomeSerializer, WebhookOutcomeSerializer
from shop.api.schema import error_responses
from shop.api.throttling import ScopedRateThrottle


class PaymentWebhookView(APIView):
    """Stripe's events (`Stripe-Signature` verified with STRIPE_WEBHOOK_SECRET; 400
    `invalid_signature` otherwise, whatever PAYMENT_PROVIDER is). Each event is applied once;
    a type the shop does not handle answers 200 and is ignored."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Stripe's retries come in bursts from a few addresses: not the anonymous rate, but the
    # `webhook` scope, unlimited unless THROTTLE_RATES names it (e.g. webhook=600/min).
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "webhook"

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="t=<unix time>,v1=<HMAC-SHA256 of 't.<body>' with the secret>",
            )
        ],
        responses={200: WebhookOutcomeSerializer, **error_responses(400)},
    )
    def post(self, request):
        outcome = services.webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
        return Response(
            WebhookOutcomeSerializer(
                {"event_id": outcome.event_id, "type": outcome.type, "result": outcome.result}
            ).data
        )


class _DummyIntentView(APIView):
    """Only with PAYMENT_PROVIDER=dummy (404 otherwise); the payment's owner or staff."""

    permission_classes = [IsAuthenticated]
    succeed: bool

    @extend_schema(request=None, responses={200: DummyOutcomeSerializer})
    def post(self, request, intent_id: str):
        payment = services.dummy_intent_complete(
            intent_id=intent_id,
            succeed=self.succeed,
            user_id=request.user.id,
            is_staff=request.user.is_staff,
        )
        return Response(
            DummyOutcomeSerializer({"intent_id": payment.intent_id, "status": payment.status}).data
        )


class DummyIntentSucceedView(_DummyIntentView):
    """The customer pays: behaves as the provider's webhook would (order → paid)."""

    succeed = True


class DummyIntentFailView(_DummyIntentView):
    """The attempt is declined: the order stays confirmed and may still be paid."""

    succeed = False
