from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.accounts.admin import admin_login
from apps.cart.admin import promotion_dry_run_view
from shop import health, metrics
from shop.api.exceptions import not_found_view

# The catalog first: URL resolution walks the patterns in order, and its reads are the hot path.
api_v1 = [
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.inventory.api.urls")),
    path("", include("apps.cart.api.urls")),
    path("", include("apps.orders.api.urls")),
    path("", include("apps.payments.api.urls")),
    path("", include("apps.promotions.api.urls")),
    path("", include("apps.search.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # The admin's sign-in, throttled like the API's login (before the admin's own patterns).
    path("admin/login/", admin_login),
    # Before the admin's own patterns: the cart's view, as it prices carts (apps/cart/admin.py).
    path("admin/promotions/dry-run", promotion_dry_run_view, name="promotion-dry-run"),
    path("admin/", admin.site.urls),
    # Anything else under the API answers 404 in the API's error body.
    re_path(r"^api/", not_found_view),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "shop.api.exceptions.not_found_view"
handler500 = "shop.api.exceptions.server_error_view"
