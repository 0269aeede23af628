from django.http import JsonResponse
from django.urls import path

from shop.urls import urlpatterns as shop_urlpatterns


def bare_json(request):
    """The yardstick: a Django view that returns a small JSON object and touches nothing."""
    return JsonResponse(
        {"id": "00000000-0000-0000-0000-000000000000", "name": "bare", "price": "1.00"}
    )


urlpatterns = [path("bench/bare", bare_json), *shop_urlpatterns]
