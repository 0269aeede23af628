"""URL patterns for API views, shared by every app's api/urls.py."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema

from shop.api.fastpath import CachedBody, FastHandler, with_anonymous_fast_path


def api_route(
    route: str,
    view: type,
    name: str,
    *,
    fast: CachedBody | None = None,
    fast_handlers: dict[str, FastHandler] | None = None,
) -> list:
    """The canonical path (no trailing slash, API.md) and the same path with one, which answers
    the same but stays out of the OpenAPI schema, so every operation is documented once (and
    operation ids do not clash). `fast` serves cached anonymous reads, `fast_handlers`
    ({method: handler}) anonymous requests with side effects (shop.api.fastpath)."""
    with_slash = extend_schema(exclude=True)(type(f"{view.__name__}WithSlash", (view,), {}))
    views = [view.as_view(), with_slash.as_view()]
    if fast is not None or fast_handlers:
        views = [with_anonymous_fast_path(v, fast, handlers=fast_handlers) for v in views]
    return [path(route, views[0], name=name), path(f"{route}/", views[1])]
