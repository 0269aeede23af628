"""Only the accounts API, so its schema can be checked for warnings on its own."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("apps.accounts.api.urls"))]
