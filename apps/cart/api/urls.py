from apps.cart.api import views
from shop.api.routing import api_route

urlpatterns = [
    *api_route("cart", views.CartDetailView, "cart", fast_handlers={"GET": views.cart_detail_fast}),
    *api_route(
        "cart/items",
        views.CartItemCreateView,
        "cart-items",
        fast_handlers={"POST": views.cart_item_add_fast},
    ),
    *api_route("cart/items/<uuid:item_id>", views.CartItemDetailView, "cart-item"),
    *api_route("cart/coupon", views.CartCouponView, "cart-coupon"),
    *api_route("cart/merge", views.CartMergeView, "cart-merge"),
]
