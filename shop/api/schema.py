"""The OpenAPI schema every app gets without per-view work (DEFAULT_SCHEMA_CLASS).

`AutoSchema` adds to each operation, from what the view is made of:

- the error answers it can give, each with the error body (components `Error` and
  `ErrorDetail`): 400 when it reads a body, query filters, a page size or an `If-Match` /
  `Idempotency-Key` header; 401 when it authenticates; 403 when a permission other than
  AllowAny / IsAuthenticated applies; 404 for a path id or a paginated list (a page past the
  end); 409 for authenticated writes (domain conflicts) and with `Idempotency-Key`; 412 with
  `If-Match`; 413 and 415 with a body; 429 when throttled; 503 always (a backing service
  down). Statuses a view documents itself (`extend_schema(responses={…})`) are kept as it
  wrote them;
- a tag per app (`apps.cart.api.views` → `cart`), unless the view names its own;
- the canonical schema of the shop's own headers (`If-Match`, `X-Cart-Token`,
  `Idempotency-Key`) wherever a view declares one of them, by name.

Views declare those headers with the parameters below, and extra error answers with
`error_responses(401, …)`.
"""

from __future__ import annotations

from typing import Any

import uritemplate
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `not_found`.")
    message = serializers.CharField(help_text="Human-readable text.")
    details = serializers.DictField(
        help_text="More about the error (field → messages for `invalid`); `{}` when empty."
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (API.md, Conventions)."""

    error = ErrorDetailSerializer()


STATUS_DESCRIPTIONS = {
    400: "Bad input: `invalid` (details: field → messages) or the operation's own code "
    "(`invalid_coupon`, `empty_cart`, `invalid_token` …).",
    401: "`not_authenticated`: no, bad, expired or revoked token "
    "(`invalid_credentials` for a bad login).",
    403: "`permission_denied`: not allowed for this user (e.g. staff only).",
    404: "`not_found`: unknown id, another user's resource, or a page past the last.",
    409: "A state conflict: `conflict`, `insufficient_stock`, `illegal_transition`, "
    "`idempotency_conflict` ….",
    412: "`version_mismatch` (details.current_version): `If-Match` did not match.",
    413: "`payload_too_large`: the body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE.",
    415: "`unsupported_media_type`: send `application/json`.",
    429: "`throttled`: rate limit reached; `Retry-After` says when to try again.",
    502: "`payment_unavailable`: the payment provider failed; nothing was placed.",
    503: "`service_unavailable`: a backing service is down; try again shortly.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Extra error answers for `extend_schema(responses={200: X, **error_responses(401)})`,
    for errors the view's shape does not reveal (a domain 401 on a public endpoint …)."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=STATUS_DESCRIPTIONS[status])
        for status in statuses
    }


# --- the shop's own headers -------------------------------------------------------------

IF_MATCH_PATTERN = r'^(\*|(W/)?("[0-9]{1,15}"|[0-9]{1,15}))$'
CART_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"

HEADERS: dict[str, dict[str, Any]] = {
    "if-match": {
        "name": "If-Match",
        "schema": {"type": "string", "pattern": IF_MATCH_PATTERN, "example": '"3"'},
        "description": 'The version you last read, as the ETag gave it: `"3"` (also `3`, '
        '`W/"3"`; `*` matches any). A different current version answers 412 and changes '
        "nothing; a malformed value answers 400.",
    },
    "x-cart-token": {
        "name": "X-Cart-Token",
        "schema": {"type": "string"},
        "description": "An anonymous cart's token, as an earlier answer's `X-Cart-Token` gave "
        "it (43 characters of `A-Z a-z 0-9 _ -`). Without one, or with an unknown, expired or "
        "malformed one, the answer carries a new token; signed-in users need none.",
    },
    "idempotency-key": {
        "name": "Idempotency-Key",
        "schema": {"type": "string", "maxLength": 255, "example": "3f0c1b8e-checkout-1"},
        "description": "A key of your choice per logical operation (a UUID is a good one), at "
        "most 255 characters. The first answer is stored for 24 hours and replayed unchanged; "
        "the same key with another body answers 409 `idempotency_conflict`.",
    },
}


def _header(key: str, **kwargs: Any) -> OpenApiParameter:
    spec = HEADERS[key]
    return OpenApiParameter(
        spec["name"],
        spec["schema"],
        OpenApiParameter.HEADER,
        description=spec["description"],
        **kwargs,
    )


IF_MATCH = _header("if-match")
CART_TOKEN = _header("x-cart-token")
IDEMPOTENCY_KEY = _header("idempotency-key")
ETAG_RESPONSE_HEADER = OpenApiParameter(
    "ETag",
    {"type": "string", "pattern": r'^"[0-9]+"$', "example": '"3"'},
    OpenApiParameter.HEADER,
    description='The cart\'s version, quoted (`"3"`): send it back as `If-Match`.',
    response=[200, 201],
    required=True,
)
CART_TOKEN_RESPONSE_HEADER = OpenApiParameter(
    "X-Cart-Token",
    {"type": "string", "pattern": CART_TOKEN_PATTERN},
    OpenApiParameter.HEADER,
    description="The anonymous cart's token (also `token` in the body); send it back as the "
    "`X-Cart-Token` request header. Absent for signed-in users.",
    response=[200, 201],
)

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_NO_403 = (permissions.AllowAny, permissions.IsAuthenticated)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema with the shop's errors, tags and headers (module doc)."""

    def get_tags(self) -> list[str]:
        parts = type(self.view).__module__.split(".")
        if len(parts) > 2 and parts[0] == "apps":
            return [parts[1]]
        return super().get_tags()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A decimal sent as a string has its bounds in no keyword drf-spectacular writes: a
        # minimum of 0 at least keeps the minus sign out of its pattern.
        minimum = getattr(field, "min_value", None)
        pattern = schema.get("pattern") if isinstance(schema, dict) else None
        if (
            isinstance(field, serializers.DecimalField)
            and pattern
            and pattern.startswith("^-?")
            and minimum is not None
            and minimum >= 0
        ):
            schema["pattern"] = "^" + pattern[3:]
        return schema

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            spec = HEADERS.get(parameter["name"].lower()) if parameter["in"] == "header" else None
            if spec is not None:
                parameter.update(
                    name=spec["name"], schema=dict(spec["schema"]), description=spec["description"]
                )
            if parameter["in"] == "query" and not parameter.get("required"):
                # DRF reads `?brand=` as "not given" (query serializers and the paginator).
                parameter["allowEmptyValue"] = True
        self._shop_parameters = parameters
        return parameters

    def _get_response_bodies(self, direction="response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status in sorted(self._error_statuses()):
            if str(status) not in responses:
                responses[str(status)] = self._error_response(status, direction)
        return responses

    def _error_response(self, status: int, direction) -> dict[str, Any]:
        response = self._get_response_for_code(ErrorSerializer, str(status), direction=direction)
        response["description"] = STATUS_DESCRIPTIONS[status]
        if status == 429:
            response.setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer", "minimum": 0},
                "description": "Seconds to wait before trying again.",
            }
        return response

    def _error_statuses(self) -> set[int]:
        parameters = getattr(self, "_shop_parameters", None) or self._get_parameters()
        headers = {p["name"].lower() for p in parameters if p["in"] == "header"}
        query = {p["name"] for p in parameters if p["in"] == "query"}
        # DRF's paginator, or a view that pages by itself (search): a page past the last is 404.
        paginated = "page" in query or (
            self.method == "GET" and self._is_list_view() and self._get_paginator()
        )
        pagination = {"page", "page_size"} if paginated else set()
        filters = query - pagination
        has_body = self.method in {"POST", "PUT", "PATCH"}

        statuses = {503}
        if has_body:
            statuses |= {400, 413, 415}
        if filters or pagination or headers & {"if-match", "idempotency-key"}:
            statuses.add(400)  # (a page_size that is not a positive integer, too)
        authenticators = self.view.get_authenticators()
        if authenticators:
            statuses.add(401)  # a bad, expired or revoked token, even where anyone may call
        if any(not isinstance(p, _NO_403) for p in self.view.get_permissions()):
            statuses.add(403)
        if uritemplate.variables(self.path) or paginated:
            statuses.add(404)
        # A signed-in write may meet a state conflict (stock, transitions, duplicates); the
        # public credential endpoints (authenticators: none) have none.
        if (self.method in _WRITES and authenticators) or "idempotency-key" in headers:
            statuses.add(409)
        if "if-match" in headers:
            statuses.add(412)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses
