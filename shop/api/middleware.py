"""Middleware of the API: refuse oversized request bodies before any work is done."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

from shop.api.exceptions import payload_too_large_body


class RequestBodyLimitMiddleware:
    """A body under /api/ larger than DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 in the error body.

    Django applies that limit only when `request.body` or `request.POST` is read; DRF's JSON
    parser reads the stream instead, so without this any JSON body would be read whole into
    memory. The declared Content-Length is checked (a WSGI server passes no more than it).
    The API takes JSON only, so no file upload is held to this limit.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and request.path.startswith("/api/")
            and _content_length(request) > limit
        ):
            return JsonResponse(payload_too_large_body(limit), status=413)
        return self.get_response(request)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
