"""Render every error the API can raise in one body: {"error": {code, message, details}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from shop.errors import Conflict, DomainError, ServiceUnavailable
from shop.redis import redis_unavailable

logger = logging.getLogger("shop.api")

_DRF_CODES: list[tuple[type[drf.APIException], str]] = [
    (drf.NotAuthenticated, "not_authenticated"),
    (drf.AuthenticationFailed, "not_authenticated"),
    (drf.PermissionDenied, "permission_denied"),
    (drf.NotFound, "not_found"),
    (drf.MethodNotAllowed, "method_not_allowed"),
    (drf.NotAcceptable, "not_acceptable"),
    (drf.UnsupportedMediaType, "unsupported_media_type"),
    (drf.Throttled, "throttled"),
    (drf.ParseError, "invalid"),
    (drf.ValidationError, "invalid"),
]


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _validation_details(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {key: _as_messages(value) for key, value in detail.items()}
    return {"non_field_errors": _as_messages(detail)}


def _as_messages(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _as_messages(inner) for key, inner in value.items()}
    if isinstance(value, list):
        if any(isinstance(item, (dict, list)) for item in value):
            return [_as_messages(item) for item in value]
        return [str(item) for item in value]
    return [str(value)]


def _drf_response(exc: drf.APIException) -> Response:
    code = next((code for cls, code in _DRF_CODES if isinstance(exc, cls)), "error")
    headers = {}
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(exc, drf.ValidationError):
        body = error_body(code, "Invalid input.", _validation_details(exc.detail))
    else:
        detail = exc.detail
        if isinstance(detail, dict):
            # simplejwt's InvalidToken carries {"detail", "code", "messages"}: keep the text.
            detail = detail.get("detail") or exc.default_detail
        body = error_body(code, str(detail))
    return Response(body, status=exc.status_code, headers=headers)


class PayloadTooLarge(drf.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


_DRF_CODES.insert(0, (PayloadTooLarge, "payload_too_large"))

INVALID_VALUE_MESSAGE = (
    "A value cannot be stored: it contains a NUL character or does not fit its field."
)


def payload_too_large_body(limit: int | None) -> dict[str, Any]:
    details = {"max_bytes": limit} if limit is not None else {}
    return error_body("payload_too_large", PayloadTooLarge.default_detail, details)


def _translate(exc: Exception) -> Exception:
    """Exceptions that are not ours but have a clear meaning for the client."""
    if isinstance(exc, Http404):
        return drf.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return drf.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if redis_unavailable(exc):
        # Redis cannot serve now (down, OOM, MISCONF, BUSY, LOADING …) where no service
        # turned that into its own error: a 503 to retry, not a 500.
        logger.warning("redis unavailable: %s", exc)
        return ServiceUnavailable()
    if isinstance(exc, DataError):
        # PostgreSQL refused a value (a NUL byte, a number or text too large for its column):
        # the input's fault, caught here when no validation did. Services validate first.
        logger.warning("database refused a value: %s", exc)
        return drf.ValidationError({"non_field_errors": [INVALID_VALUE_MESSAGE]})
    if isinstance(exc, (OperationalError, InterfaceError)):
        # PostgreSQL could not serve the request: its connection was lost (terminated, a
        # failover, a restart) or a lock, statement or serialization limit gave up. The
        # transaction was rolled back, so nothing is half-written: a 503 to retry, not a 500.
        # (Django drops the broken connection; the next request opens a new one.)
        logger.warning("database unavailable: %s", exc)
        return ServiceUnavailable()
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: domain errors, DRF errors and anything unexpected."""
    exc = _translate(exc)

    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if isinstance(exc, drf.APIException):
        set_rollback()
        return _drf_response(exc)

    if isinstance(exc, IntegrityError):
        # A constraint refused the write (most often a concurrent request made the same row
        # first): the request conflicts with the current state, it is not a server fault.
        # Services translate the conflicts they expect; this catches the ones they do not.
        set_rollback()
        logger.warning(
            "integrity error in %s", context.get("view").__class__.__name__, exc_info=True
        )
        return Response(error_body("conflict", Conflict.default_message), status=409)

    set_rollback()
    logger.exception("unhandled error in %s", context.get("view").__class__.__name__)
    return Response(error_body("internal_error", "An unexpected error occurred."), status=500)


@csrf_exempt
def not_found_view(request, exception=None) -> JsonResponse:
    """handler404 and the catch-all of /api/: 404 in the error body for every method (CSRF
    exempt: a POST to an unknown path is not found, not a CSRF failure)."""
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def csrf_failure_view(request, reason: str = "", template_name: str | None = None):
    """CSRF_FAILURE_VIEW: the error body under /api/ (API views are CSRF exempt, so this only
    guards views added without DRF), Django's page elsewhere (the admin)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("permission_denied", "CSRF verification failed.", {"reason": reason}),
            status=403,
        )
    if template_name is None:
        return django_csrf_failure(request, reason=reason)
    return django_csrf_failure(request, reason=reason, template_name=template_name)


def server_error_view(request) -> JsonResponse:
    """handler500 for errors outside DRF views: the error body, never a traceback."""
    return JsonResponse(error_body("internal_error", "An unexpected error occurred."), status=500)
