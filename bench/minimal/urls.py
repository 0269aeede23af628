from django.http import JsonResponse
from django.urls import path


def bare_json(request):
    """The same body as the shop's bare view (bench/urls.py)."""
    return JsonResponse(
        {"id": "00000000-0000-0000-0000-000000000000", "name": "bare", "price": "1.00"}
    )


urlpatterns = [path("bench/bare", bare_json)]
