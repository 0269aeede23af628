from django.urls import path, re_path

from apps.cart.api import views

# Canonical paths have no trailing slash; the same path with one also answers.
urlpatterns = [
    re_path(r"^cart/?$", views.CartDetailView.as_view(), name="cart"),
    re_path(r"^cart/items/?$", views.CartItemCreateView.as_view(), name="cart-items"),
    path("cart/items/<uuid:item_id>", views.CartItemDetailView.as_view(), name="cart-item"),
    path("cart/items/<uuid:item_id>/", views.CartItemDetailView.as_view()),
    re_path(r"^cart/coupon/?$", views.CartCouponView.as_view(), name="cart-coupon"),
    re_path(r"^cart/merge/?$", views.CartMergeView.as_view(), name="cart-merge"),
]
