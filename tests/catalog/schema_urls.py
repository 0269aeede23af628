"""Only the catalog's API, so its schema can be checked for warnings on its own."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("apps.catalog.api.urls"))]
