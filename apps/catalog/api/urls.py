from apps.catalog.api import views
from shop.api.routing import api_route

urlpatterns = [
    *api_route(
        "products", views.ProductListCreateView, "catalog-products", fast=views.product_list_fast
    ),
    *api_route(
        "products/<uuid:product_id>",
        views.ProductDetailView,
        "catalog-product",
        fast=views.product_detail_fast,
    ),
    *api_route(
        "products/<uuid:product_id>/reviews",
        views.ProductReviewListCreateView,
        "catalog-product-reviews",
    ),
    *api_route(
        "categories",
        views.CategoryListCreateView,
        "catalog-categories",
        fast=views.category_tree_fast,
    ),
    *api_route("categories/<uuid:category_id>", views.CategoryDetailView, "catalog-category"),
    *api_route(
        "categories/<uuid:category_id>/products",
        views.CategoryProductListView,
        "catalog-category-products",
        fast=views.product_list_fast,
    ),
    *api_route("brands", views.BrandListCreateView, "catalog-brands"),
]
