"""Admin for users (email login, no username) and their addresses; the throttled admin login."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from apps.accounts.api.throttling import login_address_key, login_email_key
from apps.accounts.models import AccountToken, Address, User
from shop.api.throttling import rate_check

LOGIN_SCOPE = "login"


def admin_login(request, extra_context=None):
    """The admin's sign-in page, throttled like `auth/login`: each POST counts against the
    `login` rate of THROTTLE_RATES per client address and per email (the same counters as the
    API's, so switching door does not reset them). Over either: 429 with Retry-After."""
    rate = settings.THROTTLE_RATES.get(LOGIN_SCOPE)
    if request.method == "POST" and rate:
        keys = [login_address_key(LOGIN_SCOPE, request)]
        email = request.POST.get("username", "")
        if email.strip():
            keys.append(login_email_key(LOGIN_SCOPE, email))
        waits = [wait for allowed, wait in (rate_check(key, rate) for key in keys) if not allowed]
        if waits:
            seconds = max(1, math.ceil(max(waits)))
            response = HttpResponse(
                f"<h1>Too many sign-in attempts</h1><p>Try again in {escape(seconds)} seconds.</p>",
                status=429,
            )
            response["Retry-After"] = str(seconds)
            return response
    return admin.site.login(request, extra_context)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)
        field_classes: dict = {}


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("type", "is_default", "full_name", "address_line1", "city", "postal_code", "country")
    show_change_link = True


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("first_name", "last_name", "phone", "email_verified")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "email_verified")
    list_filter = ("is_staff", "is_active", "email_verified", "is_superuser")
    search_fields = ("email",)
    ordering = ("-date_joined",)
    readonly_fields = ("last_login", "date_joined")
    # Counting every user for "N total" is a full scan on a large table.
    show_full_result_count = False
    inlines = [AddressInline]

    def get_inlines(self, request, obj):
        # The add form is only email and password; addresses come once the user exists.
        return self.inlines if obj is not None else []


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("full_name", "user", "type", "is_default", "city", "country")
    list_filter = ("type", "is_default")
    search_fields = ("user__email", "full_name", "postal_code")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    show_full_result_count = False


@admin.register(AccountToken)
class AccountTokenAdmin(admin.ModelAdmin):
    """Read-only view of emailed tokens (only their digests are stored); deleting revokes."""

    list_display = ("email", "purpose", "created_at", "used_at")
    list_filter = ("purpose",)
    search_fields = ("email",)
    readonly_fields = ("user", "purpose", "token_hash", "email", "created_at", "used_at")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
