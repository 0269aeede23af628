"""A fast path for anonymous reads of cached JSON, in front of a DRF view.

For a GET without an `Authorization` header, `fast(request, **kwargs)` may return a cached,
already rendered body (or a whole response, e.g. with its own headers); it is answered
straight away (after the anonymous rate limit) without DRF's request wrapping, content
negotiation and rendering. Anything else — a miss, a signed-in
client, a write — goes to the DRF view, which answers as always. The wrapper keeps the DRF
view's attributes, so the OpenAPI schema and CSRF exemption are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shop.api.throttling import AnonRateThrottle

CachedBody = Callable[..., bytes | HttpResponse | None]


def with_anonymous_fast_path(drf_view: Callable, fast: CachedBody) -> Callable:
    def view(request: HttpRequest, *args, **kwargs):
        if request.method == "GET" and "HTTP_AUTHORIZATION" not in request.META:
            body = fast(request, **kwargs)
            if body is not None and AnonRateThrottle().allow_request(request, None):
                if isinstance(body, HttpResponse):
                    return body
                return HttpResponse(body, content_type="application/json")
        return drf_view(request, *args, **kwargs)

    for attribute in ("cls", "initkwargs", "csrf_exempt", "__name__", "__doc__"):
        if hasattr(drf_view, attribute):
            setattr(view, attribute, getattr(drf_view, attribute))
    return view
