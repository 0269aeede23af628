"""A fast path for anonymous requests, in front of a DRF view.

For a GET without an `Authorization` header, `fast(request, **kwargs)` may return a cached,
already rendered body (or a whole response, e.g. with its own headers); it is answered
straight away (after the anonymous rate limit) without DRF's request wrapping, content
negotiation and rendering. Anything else — a miss, a signed-in client — goes to the DRF view,
which answers as always.

A write can have one too (`write=`, for one method, e.g. the cart's add): `write(request,
**kwargs)` returns None, and so leaves the request to the DRF view, for anything but the
well-formed requests it is made for (a body to validate, a malformed header); for those it
calls `anonymous_allowed(request)` before it changes anything (None when refused: DRF then
answers the 429) and answers the outcome itself, a domain error in the API's error body.

The wrapper keeps the DRF view's attributes, so the OpenAPI schema and CSRF exemption are
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shop.api.throttling import AnonRateThrottle

CachedBody = Callable[..., bytes | HttpResponse | None]
FastWrite = Callable[..., HttpResponse | None]


def anonymous_allowed(request: HttpRequest) -> bool:
    """The anonymous rate limit of the DRF views, counted once for this request."""
    return AnonRateThrottle().allow_request(request, None)


def with_anonymous_fast_path(
    drf_view: Callable,
    fast: CachedBody | None = None,
    *,
    write: tuple[str, FastWrite] | None = None,
) -> Callable:
    write_method, write_fast = write if write is not None else (None, None)

    def view(request: HttpRequest, *args, **kwargs):
        if "HTTP_AUTHORIZATION" not in request.META:
            if fast is not None and request.method == "GET":
                body = fast(request, **kwargs)
                if body is not None and anonymous_allowed(request):
                    if isinstance(body, HttpResponse):
                        return body
                    return HttpResponse(body, content_type="application/json")
            elif request.method == write_method:
                response = write_fast(request, **kwargs)
                if response is not None:
                    return response
        return drf_view(request, *args, **kwargs)

    for attribute in ("cls", "initkwargs", "csrf_exempt", "__name__", "__doc__"):
        if hasattr(drf_view, attribute):
            setattr(view, attribute, getattr(drf_view, attribute))
    return view
