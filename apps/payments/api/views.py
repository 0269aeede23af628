"""Payments endpoints: parse, call one service, render."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.payments import services
from apps.payments.api.serializers import DummyOutcomeSerializer


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
