from django.urls import path
from drf_spectacular.utils import extend_schema

from apps.accounts.api import views


def _route(route: str, view: type, name: str) -> list:
    """The canonical path (no trailing slash) and its slash variant, kept out of the schema."""
    with_slash = extend_schema(exclude=True)(type(f"{view.__name__}WithSlash", (view,), {}))
    return [path(route, view.as_view(), name=name), path(f"{route}/", with_slash.as_view())]


urlpatterns = [
    *_route("auth/register", views.RegisterView, "auth-register"),
    *_route("auth/login", views.LoginView, "auth-login"),
    *_route("auth/refresh", views.RefreshView, "auth-refresh"),
    *_route("auth/logout", views.LogoutView, "auth-logout"),
    *_route("auth/verify-email", views.VerifyEmailView, "auth-verify-email"),
    *_route("auth/password-reset", views.PasswordResetView, "auth-password-reset"),
    *_route(
        "auth/password-reset/confirm",
        views.PasswordResetConfirmView,
        "auth-password-reset-confirm",
    ),
    *_route("me", views.MeView, "me"),
    *_route("me/password", views.MePasswordView, "me-password"),
    *_route("me/addresses", views.AddressListCreateView, "me-addresses"),
    *_route("me/addresses/<uuid:pk>", views.AddressDetailView, "me-address-detail"),
]
