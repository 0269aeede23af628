"""URL patterns for API views, shared by every app's api/urls.py."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema


def api_route(route: str, view: type, name: str) -> list:
    """The canonical path (no trailing slash, API.md) and the same path with one, which answers
    the same but stays out of the OpenAPI schema, so every operation is documented once (and
    operation ids do not clash)."""
    with_slash = extend_schema(exclude=True)(type(f"{view.__name__}WithSlash", (view,), {}))
    return [path(route, view.as_view(), name=name), path(f"{route}/", with_slash.as_view())]
