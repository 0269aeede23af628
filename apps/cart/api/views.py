"""Cart endpoints: parse, call one service, render the cart with its ETag and token."""

from __future__ import annotations

import json
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cart import services
from apps.cart.api.serializers import (
    CartCouponRemoveSerializer,
    CartCouponSerializer,
    CartItemAddSerializer,
    CartItemUpdateSerializer,
    CartMergeSerializer,
    CartSerializer,
    cart_body,
)
from shop.api.exceptions import error_body
from shop.api.fastpath import anonymous_allowed
from shop.api.schema import (
    CART_TOKEN,
    CART_TOKEN_RESPONSE_HEADER,
    ETAG_RESPONSE_HEADER,
    IF_MATCH,
)
from shop.errors import DomainError, ServiceUnavailable
from shop.read_cache import render_json

TOKEN_HEADER = "X-Cart-Token"
# `"3"` or `3` (and a weak `W/"3"`, which some proxies produce); `*` matches any version.
_IF_MATCH = re.compile(r'^(?:W/)?("?)(\d{1,15})\1$')

_READS = ("GET", "HEAD")
_RESPONSE_HEADERS = [ETAG_RESPONSE_HEADER, CART_TOKEN_RESPONSE_HEADER]
_CART_HEADERS = [CART_TOKEN, *_RESPONSE_HEADERS]
_MUTATION_HEADERS = [*_CART_HEADERS, IF_MATCH]


def _fast_response(cart: services.CartView, status_code: int = 200) -> HttpResponse:
    """A cart answer as CartBaseView.cart_response and finalize_response give it."""
    response = HttpResponse(
        render_json(cart_body(cart)), content_type="application/json", status=status_code
    )
    response["ETag"] = f'"{cart.version}"'
    response[TOKEN_HEADER] = cart.owner.token
    response["Cache-Control"] = "private, no-store"
    return response


def cart_detail_fast(request) -> HttpResponse | None:
    """An anonymous GET of the cart without DRF (shop.api.fastpath): the same body and headers
    as CartDetailView's answer. The rate limit comes first, as a new visitor's GET creates a
    cart. Anything that goes wrong is left to the DRF view, which answers it in the API's
    error body (Redis down: 503)."""
    if not anonymous_allowed(request):
        return None  # the DRF view answers the 429
    try:
        cart = services.cart_open(user_id=None, token=request.headers.get(TOKEN_HEADER))
    except Exception:
        return None
    return _fast_response(cart)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def cart_item_add_fast(request) -> HttpResponse | None:
    """An anonymous `POST cart/items` without DRF (shop.api.fastpath), the storefront's
    hottest write: the same answers as CartItemCreateView's, with the owner resolved inside
    the add's script (one Redis round trip for a known token). Only a well-formed request is
    taken (a JSON object with a UUID `variant_id` and an integer `quantity` in range, If-Match
    absent or a version); anything else goes to the DRF view, which explains it."""
    if request.content_type != "application/json":
        return None
    try:
        # As DRF's JSONParser reads it: UTF-8, and no NaN or Infinity.
        data = json.loads(request.body.decode(), parse_constant=_no_constant)
        variant_id = uuid.UUID(data["variant_id"])
        quantity = data["quantity"]
        if_match = request.headers.get("If-Match")
        expected = None
        if if_match is not None and if_match.strip() != "*":
            expected = int(_IF_MATCH.match(if_match.strip()).group(2))
    except (ValueError, TypeError, KeyError, AttributeError, RequestDataTooBig):
        return None
    if type(quantity) is not int or not 1 <= quantity <= settings.CART_MAX_LINE_QUANTITY:
        return None
    if not anonymous_allowed(request):
        return None  # the DRF view answers the 429 (a refused request is not counted)
    token = request.headers.get(TOKEN_HEADER)
    try:
        cart = services.cart_line_add_anonymous(
            token=token, variant_id=variant_id, quantity=quantity, expected_version=expected
        )
    except DomainError as exc:
        response = HttpResponse(
            render_json(error_body(exc.code, exc.message, exc.details)),
            content_type="application/json",
            status=exc.http_status,
        )
        # As finalize_response: a known token is handed back on an error too (not a new one).
        if not isinstance(exc, ServiceUnavailable) and services.cart_token_known(token):
            response[TOKEN_HEADER] = token
        response["Cache-Control"] = "private, no-store"
        return response
    return _fast_response(cart, status.HTTP_201_CREATED)


def _expected_version(request: Request) -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    match = _IF_MATCH.match(raw.strip())
    if not match:
        raise ValidationError({"If-Match": ['Must be a cart version, e.g. "3".']})
    return int(match.group(2))


def _data(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CartBaseView(APIView):
    """Resolves the request's cart owner once and returns the token on every answer that
    leaves a cart behind it."""

    permission_classes = [AllowAny]
    owner: services.CartOwner | None = None
    cart: services.CartView | None = None
    # Whose GET answers the cart itself: owner and cart are read together (services.cart_open).
    reads_cart = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        user = request.user
        if self.reads_cart and request.method in _READS:
            self.cart = services.cart_open(
                user_id=user.id if user.is_authenticated else None,
                token=request.headers.get(TOKEN_HEADER),
            )
            self.owner = self.cart.owner
            return
        # A read creates the new visitor's cart at once (so its token is known next time); a
        # write creates it only by succeeding, so a refused request leaves no cart behind.
        self.owner = services.cart_owner_resolve(
            user_id=user.id if user.is_authenticated else None,
            token=request.headers.get(TOKEN_HEADER),
            create=request.method in _READS,
        )

    def finalize_response(self, request, response, *args, **kwargs):
        # A known token is handed back on every answer (also a 412 or 409); a token issued
        # by this request only when its cart exists: after a read, or a write that succeeded.
        owner = self.owner
        if owner is not None and owner.token:
            issued = owner.token != request.headers.get(TOKEN_HEADER)
            if not issued or request.method in _READS or response.status_code < 400:
                response[TOKEN_HEADER] = owner.token
        # A cart answer is one visitor's, and an anonymous one carries its bearer token: no
        # shared or browser cache may keep it (revalidation would not work either, as carts
        # answer no If-None-Match).
        response["Cache-Control"] = "private, no-store"
        return super().finalize_response(request, response, *args, **kwargs)

    def cart_response(self, cart: services.CartView, status_code: int = 200) -> Response:
        response = Response(cart_body(cart), status=status_code)  # = CartSerializer's data
        response["ETag"] = f'"{cart.version}"'
        return response


class CartDetailView(CartBaseView):
    """GET the cart priced at today's prices (header ETag: "<version>"); DELETE empties it."""

    reads_cart = True

    @extend_schema(parameters=_CART_HEADERS, responses=CartSerializer)
    def get(self, request):
        return self.cart_response(self.cart)

    @extend_schema(parameters=_MUTATION_HEADERS, responses={200: CartSerializer})
    def delete(self, request):
        cart = services.cart_empty(owner=self.owner, expected_version=_expected_version(request))
        return self.cart_response(cart)


class CartItemCreateView(CartBaseView):
    """Add a variant (to its line when the cart has one); checks stock without reserving."""

    @extend_schema(
        parameters=_MUTATION_HEADERS,
        request=CartItemAddSerializer,
        responses={201: CartSerializer},
    )
    def post(self, request):
        data = _data(CartItemAddSerializer, request)
        cart = services.cart_line_add(
            owner=self.owner,
            variant_id=data["variant_id"],
            quantity=data["quantity"],
            expected_version=_expected_version(request),
        )
        return self.cart_response(cart, status.HTTP_201_CREATED)


class CartItemDetailView(CartBaseView):
    """PUT a line's quantity (0 removes it); DELETE the line."""

    @extend_schema(
        parameters=_MUTATION_HEADERS, request=CartItemUpdateSerializer, responses=CartSerializer
    )
    def put(self, request, item_id):
        data = _data(CartItemUpdateSerializer, request)
        cart = services.cart_line_update(
            owner=self.owner,
            item_id=item_id,
            quantity=data["quantity"],
            expected_version=_expected_version(request),
        )
        return self.cart_response(cart)

    @extend_schema(parameters=_MUTATION_HEADERS, responses={200: CartSerializer})
    def delete(self, request, item_id):
        cart = services.cart_line_remove(
            owner=self.owner, item_id=item_id, expected_version=_expected_version(request)
        )
        return self.cart_response(cart)


class CartCouponView(CartBaseView):
    """Put a coupon code on the cart (case-insensitive) or take it off."""

    @extend_schema(
        parameters=_MUTATION_HEADERS, request=CartCouponSerializer, responses=CartSerializer
    )
    def post(self, request):
        data = _data(CartCouponSerializer, request)
        cart = services.cart_coupon_apply(
            owner=self.owner, code=data["code"], expected_version=_expected_version(request)
        )
        return self.cart_response(cart)

    @extend_schema(
        parameters=_MUTATION_HEADERS,
        request=CartCouponRemoveSerializer,
        responses={200: CartSerializer},
    )
    def delete(self, request):
        _data(CartCouponRemoveSerializer, request)
        cart = services.cart_coupon_remove(
            owner=self.owner, expected_version=_expected_version(request)
        )
        return self.cart_response(cart)


class CartMergeView(CartBaseView):
    """Signed in: move an anonymous cart (by its token) into the user's cart."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[IF_MATCH, ETAG_RESPONSE_HEADER],
        request=CartMergeSerializer,
        responses=CartSerializer,
    )
    def post(self, request):
        data = _data(CartMergeSerializer, request)
        cart = services.cart_merge(
            user_id=request.user.id,
            cart_token=data["cart_token"],
            expected_version=_expected_version(request),
        )
        return self.cart_response(cart)
