from django.urls import re_path

from apps.catalog.api import views

UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

# Canonical paths have no trailing slash; the same path with one also answers (API.md).
urlpatterns = [
    re_path(r"^products/?$", views.ProductListCreateView.as_view(), name="catalog-products"),
    re_path(
        rf"^products/(?P<product_id>{UUID})/?$",
        views.ProductDetailView.as_view(),
        name="catalog-product",
    ),
    re_path(
        rf"^products/(?P<product_id>{UUID})/reviews/?$",
        views.ProductReviewListCreateView.as_view(),
        name="catalog-product-reviews",
    ),
    re_path(r"^categories/?$", views.CategoryListCreateView.as_view(), name="catalog-categories"),
    re_path(
        rf"^categories/(?P<category_id>{UUID})/?$",
        views.CategoryDetailView.as_view(),
        name="catalog-category",
    ),
    re_path(
        rf"^categories/(?P<category_id>{UUID})/products/?$",
        views.CategoryProductListView.as_view(),
        name="catalog-category-products",
    ),
    re_path(r"^brands/?$", views.BrandListCreateView.as_view(), name="catalog-brands"),
]
