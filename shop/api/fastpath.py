"""Fast paths for anonymous requests, in front of a DRF view.

Cached reads: for a GET without an `Authorization` header, `fast(request, **kwargs)` may
return a cached, already rendered body (or a whole response, e.g. with its own headers); it
is answered straight away (after the anonymous rate limit) without DRF's request wrapping,
content negotiation and rendering. A miss goes to the DRF view, which answers as always.

Handlers (`handlers={method: handler}`) are for requests with side effects, such as the
cart's GET (it creates a new visitor's cart) and add: `handler(request, **kwargs)` returns
None, which leaves the request to the DRF view, for anything but the well-formed requests
it is made for (a body to validate, a malformed header). For those it calls
`anonymous_allowed(request)` before it changes anything (None when refused: the DRF view
then answers the 429, and the refused request was counted nowhere) and answers the outcome
itself, a domain error in the API's error body.

A signed-in client always goes to the DRF view. The wrapper keeps the DRF view's
attributes, so the OpenAPI schema and CSRF exemption are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.http import HttpRequest, HttpResponse

from shop.api.throttling import AnonRateThrottle

CachedBody = Callable[..., bytes | HttpResponse | None]
FastHandler = Callable[..., HttpResponse | None]


def anonymous_allowed(request: HttpRequest) -> bool:
    """The anonymous rate limit of the DRF views, counted once for this request."""
    return AnonRateThrottle().allow_request(request, None)


def with_anonymous_fast_path(
    drf_view: Callable,
    fast: CachedBody | None = None,
    *,
    handlers: Mapping[str, FastHandler] | None = None,
) -> Callable:
    handlers = dict(handlers or {})

    def view(request: HttpRequest, *args, **kwargs):
        if "HTTP_AUTHORIZATION" not in request.META:
            handler = handlers.get(request.method)
            if handler is not None:
                response = handler(request, **kwargs)
                if response is not None:
                    return response
            elif fast is not None and request.method == "GET":
                body = fast(request, **kwargs)
                if body is not None and anonymous_allowed(request):
                    if isinstance(body, HttpResponse):
                        return body
                    return HttpResponse(body, content_type="application/json")
        return drf_view(request, *args, **kwargs)

    for attribute in ("cls", "initkwargs", "csrf_exempt", "__name__", "__doc__"):
        if hasattr(drf_view, attribute):
            setattr(view, attribute, getattr(drf_view, attribute))
    return view
