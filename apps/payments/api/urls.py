from apps.payments.api import views
from shop.api.routing import api_route

urlpatterns = [
    *api_route("payments/webhook", views.PaymentWebhookView, "payment-webhook"),
    *api_route(
        "payments/dummy/<str:intent_id>/succeed", views.DummyIntentSucceedView, "dummy-succeed"
    ),
    *api_route("payments/dummy/<str:intent_id>/fail", views.DummyIntentFailView, "dummy-fail"),
]
