from django.urls import path
from drf_spectacular.utils import extend_schema

from apps.cart.api import views


def _route(route: str, view_class: type, name: str) -> list:
    """The canonical path (no trailing slash) and the same path with one, which also answers
    but stays out of the OpenAPI schema so every operation is documented once."""
    with_slash = extend_schema(exclude=True)(
        type(f"{view_class.__name__}WithSlash", (view_class,), {})
    )
    return [
        path(route, view_class.as_view(), name=name),
        path(f"{route}/", with_slash.as_view()),
    ]


urlpatterns = [
    *_route("cart", views.CartDetailView, "cart"),
    *_route("cart/items", views.CartItemCreateView, "cart-items"),
    *_route("cart/items/<uuid:item_id>", views.CartItemDetailView, "cart-item"),
    *_route("cart/coupon", views.CartCouponView, "cart-coupon"),
    *_route("cart/merge", views.CartMergeView, "cart-merge"),
]
