from apps.accounts.api import views
from shop.api.routing import api_route

urlpatterns = [
    *api_route("auth/register", views.RegisterView, "auth-register"),
    *api_route("auth/login", views.LoginView, "auth-login"),
    *api_route("auth/refresh", views.RefreshView, "auth-refresh"),
    *api_route("auth/logout", views.LogoutView, "auth-logout"),
    *api_route("auth/verify-email", views.VerifyEmailView, "auth-verify-email"),
    *api_route("auth/password-reset", views.PasswordResetView, "auth-password-reset"),
    *api_route(
        "auth/password-reset/confirm",
        views.PasswordResetConfirmView,
        "auth-password-reset-confirm",
    ),
    *api_route("me", views.MeView, "me"),
    *api_route("me/password", views.MePasswordView, "me-password"),
    *api_route("me/addresses", views.AddressListCreateView, "me-addresses"),
    *api_route("me/addresses/<uuid:pk>", views.AddressDetailView, "me-address-detail"),
]
