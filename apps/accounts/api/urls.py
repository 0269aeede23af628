from django.urls import path, re_path

from apps.accounts.api import views

# Canonical paths have no trailing slash; the same path with one also answers.
urlpatterns = [
    re_path(r"^auth/register/?$", views.RegisterView.as_view(), name="auth-register"),
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/verify-email/?$", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    re_path(
        r"^auth/password-reset/?$", views.PasswordResetView.as_view(), name="auth-password-reset"
    ),
    re_path(
        r"^auth/password-reset/confirm/?$",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    re_path(r"^me/?$", views.MeView.as_view(), name="me"),
    re_path(r"^me/password/?$", views.MePasswordView.as_view(), name="me-password"),
    re_path(r"^me/addresses/?$", views.AddressListCreateView.as_view(), name="me-addresses"),
    path("me/addresses/<uuid:pk>", views.AddressDetailView.as_view(), name="me-address-detail"),
    path("me/addresses/<uuid:pk>/", views.AddressDetailView.as_view()),
]
