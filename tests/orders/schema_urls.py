"""Only the orders and payments APIs, so their schema can be checked for warnings alone."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("apps.orders.api.urls")),
    path("api/v1/", include("apps.payments.api.urls")),
]
