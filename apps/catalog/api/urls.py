from django.urls import re_path
from drf_spectacular.utils import extend_schema

from apps.catalog.api import views

UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def _route(pattern: str, view: type, name: str) -> list:
    """The canonical path (no trailing slash, API.md) and its slash variant, which answers the
    same but stays out of the schema (one operation per path there, no operationId clashes)."""
    with_slash = extend_schema(exclude=True)(type(f"{view.__name__}WithSlash", (view,), {}))
    return [
        re_path(rf"^{pattern}$", view.as_view(), name=name),
        re_path(rf"^{pattern}/$", with_slash.as_view()),
    ]


urlpatterns = [
    *_route("products", views.ProductListCreateView, "catalog-products"),
    *_route(rf"products/(?P<product_id>{UUID})", views.ProductDetailView, "catalog-product"),
    *_route(
        rf"products/(?P<product_id>{UUID})/reviews",
        views.ProductReviewListCreateView,
        "catalog-product-reviews",
    ),
    *_route("categories", views.CategoryListCreateView, "catalog-categories"),
    *_route(rf"categories/(?P<category_id>{UUID})", views.CategoryDetailView, "catalog-category"),
    *_route(
        rf"categories/(?P<category_id>{UUID})/products",
        views.CategoryProductListView,
        "catalog-category-products",
    ),
    *_route("brands", views.BrandListCreateView, "catalog-brands"),
]
