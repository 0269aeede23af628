"""Admin for users (email login, no username) and their addresses."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import AccountToken, Address, User


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
