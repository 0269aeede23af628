"""Accounts endpoints: parse, call one service, render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.accounts import services
from apps.accounts.api import serializers as s
from apps.accounts.api.throttling import LoginByAddressThrottle, LoginByEmailThrottle
from shop.api.schema import CART_TOKEN, error_responses

NO_CONTENT = {204: OpenApiResponse(description="Done.")}


class _PublicAuthView(APIView):
    # Credentials travel in the body; a stale bearer header must not turn these into 401s.
    authentication_classes: list = []
    permission_classes = [AllowAny]


# Endpoints that check credentials or send email share the `login` rate, per client address
# and per email: it slows password guessing, account probing and email bombing alike.
_AUTH_THROTTLES = [
    *api_settings.DEFAULT_THROTTLE_CLASSES,
    LoginByAddressThrottle,
    LoginByEmailThrottle,
]


class RegisterView(_PublicAuthView):
    throttle_scope = "login"
    throttle_classes = _AUTH_THROTTLES

    @extend_schema(request=s.RegisterSerializer, responses={201: s.ProfileSerializer})
    def post(self, request):
        data = _valid(s.RegisterSerializer, request.data)
        user = services.user_register(**data)
        return Response(s.ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(_PublicAuthView):
    throttle_scope = "login"
    throttle_classes = _AUTH_THROTTLES

    @extend_schema(
        request=s.LoginSerializer,
        responses={200: s.LoginResultSerializer, **error_responses(401)},
        parameters=[CART_TOKEN],
        description="A valid `X-Cart-Token` merges that anonymous cart into the user's cart.",
    )
    def post(self, request):
        data = _valid(s.LoginSerializer, request.data)
        result = services.session_login(
            **data, cart_token=request.headers.get("X-Cart-Token") or None
        )
        return Response(s.LoginResultSerializer(result).data)


class RefreshView(_PublicAuthView):
    @extend_schema(
        request=s.RefreshSerializer,
        responses={200: s.TokenPairSerializer, **error_responses(401)},
    )
    def post(self, request):
        data = _valid(s.RefreshSerializer, request.data)
        return Response(s.TokenPairSerializer(services.session_refresh(**data)).data)


class LogoutView(_PublicAuthView):
    @extend_schema(request=s.RefreshSerializer, responses={**NO_CONTENT, **error_responses(401)})
    def post(self, request):
        services.session_logout(**_valid(s.RefreshSerializer, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailView(_PublicAuthView):
    @extend_schema(request=s.TokenSerializer, responses=NO_CONTENT)
    def post(self, request):
        services.email_verify(**_valid(s.TokenSerializer, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(_PublicAuthView):
    throttle_scope = "login"
    throttle_classes = _AUTH_THROTTLES

    @extend_schema(
        request=s.PasswordResetSerializer,
        responses={202: OpenApiResponse(description="Accepted, whether or not the email exists.")},
    )
    def post(self, request):
        services.password_reset_request(**_valid(s.PasswordResetSerializer, request.data))
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(_PublicAuthView):
    @extend_schema(request=s.PasswordResetConfirmSerializer, responses=NO_CONTENT)
    def post(self, request):
        services.password_reset_confirm(**_valid(s.PasswordResetConfirmSerializer, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.ProfileSerializer})
    def get(self, request):
        return Response(s.ProfileSerializer(request.user).data)

    @extend_schema(request=s.ProfileUpdateSerializer, responses={200: s.ProfileSerializer})
    def patch(self, request):
        data = _valid(s.ProfileUpdateSerializer, request.data)
        user = services.user_profile_update(user=request.user, data=data)
        return Response(s.ProfileSerializer(user).data)


class MePasswordView(APIView):
    """Change the password (204, API.md): every session of the user ends (refresh tokens
    revoked, earlier access tokens refused); this client signs in again with the new one."""

    permission_classes = [IsAuthenticated]
    # Checks a password, like login: the same rate, per client address and per account.
    throttle_scope = "login"
    throttle_classes = _AUTH_THROTTLES

    @extend_schema(request=s.PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        data = _valid(s.PasswordChangeSerializer, request.data)
        services.user_password_change(user=request.user, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AddressListCreateView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.AddressSerializer

    def get_queryset(self):
        return services.address_list(user_id=self.request.user.id)

    @extend_schema(responses={200: s.AddressSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.AddressSerializer(page, many=True).data)

    @extend_schema(request=s.AddressSerializer, responses={201: s.AddressSerializer})
    def post(self, request):
        data = _valid(s.AddressSerializer, request.data)
        address = services.address_create(user_id=request.user.id, data=data)
        return Response(s.AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.AddressSerializer})
    def get(self, request, pk):
        address = services.address_get(user_id=request.user.id, address_id=pk)
        return Response(s.AddressSerializer(address).data)

    @extend_schema(request=s.AddressSerializer(partial=True), responses={200: s.AddressSerializer})
    def patch(self, request, pk):
        data = _valid(s.AddressSerializer, request.data, partial=True)
        address = services.address_update(user_id=request.user.id, address_id=pk, data=data)
        return Response(s.AddressSerializer(address).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request, pk):
        services.address_delete(user_id=request.user.id, address_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
