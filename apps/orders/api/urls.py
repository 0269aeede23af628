from apps.orders.api import views
from shop.api.routing import api_route

urlpatterns = [
    *api_route("checkout", views.CheckoutView, "checkout"),
    *api_route("checkout/preview", views.CheckoutPreviewView, "checkout-preview"),
    *api_route("shipping-methods", views.ShippingMethodListView, "shipping-methods"),
    *api_route("orders", views.OrderListView, "orders"),
    *api_route("orders/<uuid:order_id>", views.OrderDetailView, "order"),
    *api_route("orders/<uuid:order_id>/cancel", views.OrderCancelView, "order-cancel"),
    *api_route("orders/<uuid:order_id>/status", views.OrderStatusView, "order-status"),
    *api_route("orders/<uuid:order_id>/refunds", views.OrderRefundView, "order-refunds"),
    *api_route("orders/<uuid:order_id>/returns", views.OrderReturnCreateView, "order-returns"),
    *api_route("returns", views.ReturnListView, "returns"),
    *api_route("returns/<uuid:return_id>", views.ReturnDetailView, "return"),
    *api_route("returns/<uuid:return_id>/receive", views.ReturnReceiveView, "return-receive"),
]
