"""Promotions admin: promotions are saved through the services (every check of the API
applies), usage counts are shown per state, usage records are read-only. The dry-run form
(price some lines or an existing cart and see every candidate explained) lives with the cart,
which knows carts: /admin/promotions/dry-run, linked from the promotions list."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q

from apps.promotions import services
from apps.promotions.exceptions import PromotionInUse
from apps.promotions.models import Promotion, PromotionUsage
from shop.admin_pagination import EstimatedCountPaginator
from shop.errors import DomainError

_FIELDS = [
    "code",
    "name",
    "type",
    "value",
    "min_amount",
    "category_ids",
    "product_ids",
    "first_time_only",
    "buy_quantity",
    "get_quantity",
    "max_uses",
    "max_uses_per_user",
    "start_date",
    "end_date",
    "active",
    "stackable",
    "priority",
]


def _api_values(data: dict) -> dict:
    """Form data in the shape of the services' (and the API's) fields."""
    return {
        "code": data.get("code") or None,
        "name": data.get("name"),
        "type": data.get("type"),
        "value": data.get("value"),
        "conditions": {
            "min_amount": data.get("min_amount"),
            "categories": data.get("category_ids") or [],
            "products": data.get("product_ids") or [],
            "first_time_only": bool(data.get("first_time_only")),
            "buy_quantity": data.get("buy_quantity"),
            "get_quantity": data.get("get_quantity"),
        },
        "max_uses": data.get("max_uses"),
        "max_uses_per_user": data.get("max_uses_per_user"),
        "start_date": data.get("start_date"),
        "end_date": data.get("end_date"),
        "active": bool(data.get("active")),
        "stackable": bool(data.get("stackable")),
        "priority": data.get("priority"),
    }


# Condition keys of the API → the form's fields.
_CONDITION_FIELDS = {"categories": "category_ids", "products": "product_ids"}


class PromotionForm(forms.ModelForm):
    class Meta:
        model = Promotion
        fields = _FIELDS

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["code"] = services.coupon_code_normalize(data.get("code"))
        except DomainError as error:
            for message in error.details.get("code", []):
                self.add_error("code", message)
            return data
        problems = services.promotion_check(
            values=_api_values(data), promotion_id=self.instance.pk if self.instance else None
        )
        for field, found in problems.items():
            for message in found:
                target = field
                key, _, text = message.partition(": ")
                if field == "conditions" and key in services.CONDITION_KEYS:
                    # "min_amount: Must not be negative." → the min_amount field
                    target, message = _CONDITION_FIELDS.get(key, key), text
                # An error on a field also keeps the model's constraint on it from repeating it.
                self.add_error(target if target in self.fields else None, message)
        return data


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    form = PromotionForm
    change_list_template = "admin/promotions/promotion/change_list.html"
    list_display = [
        "name",
        "code",
        "type",
        "value",
        "active",
        "stackable",
        "priority",
        "start_date",
        "end_date",
        "uses",
        "held",
        "used",
        "voided",
    ]
    list_filter = ["active", "type", "stackable", "first_time_only"]
    search_fields = ["code", "name"]
    ordering = ["-created_at"]
    readonly_fields = ["current_uses", "held", "used", "voided", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "type", "value", "active", "stackable", "priority"]}),
        (
            "Conditions",
            {
                "fields": [
                    "min_amount",
                    "category_ids",
                    "product_ids",
                    "first_time_only",
                    "buy_quantity",
                    "get_quantity",
                ]
            },
        ),
        (
            "Dates and limits",
            {"fields": ["start_date", "end_date", "max_uses", "max_uses_per_user"]},
        ),
        (
            "Usage",
            {"fields": ["current_uses", "held", "used", "voided", "created_at", "updated_at"]},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                held_count=Count("usages", filter=Q(usages__state=PromotionUsage.State.HELD)),
                used_count=Count("usages", filter=Q(usages__state=PromotionUsage.State.USED)),
                void_count=Count("usages", filter=Q(usages__state=PromotionUsage.State.VOID)),
            )
        )

    @admin.display(description="uses")
    def uses(self, obj: Promotion) -> str:
        limit = obj.max_uses if obj.max_uses is not None else "∞"
        return f"{obj.current_uses} / {limit}"

    @admin.display(description="held (unpaid)", ordering="held_count")
    def held(self, obj: Promotion) -> int:
        return getattr(obj, "held_count", 0)

    @admin.display(description="used (paid)", ordering="used_count")
    def used(self, obj: Promotion) -> int:
        return getattr(obj, "used_count", 0)

    @admin.display(description="void (given back)", ordering="void_count")
    def voided(self, obj: Promotion) -> int:
        return getattr(obj, "void_count", 0)

    def save_model(self, request, obj, form, change):
        values = _api_values(form.cleaned_data)
        if change:
            services.promotion_update(promotion_id=obj.pk, **values)
        else:
            obj.pk = services.promotion_create(**values).id

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.usages.exists():
            return False  # orders keep their history: deactivate it instead
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.promotion_delete(promotion_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for promotion in queryset.order_by("pk"):
            try:
                services.promotion_delete(promotion_id=promotion.pk)
            except PromotionInUse as error:
                self.message_user(request, f"{promotion}: {error.message}", messages.ERROR)


@admin.register(PromotionUsage)
class PromotionUsageAdmin(admin.ModelAdmin):
    """Read-only: usage changes only through checkout (hold, void, confirm)."""

    paginator = EstimatedCountPaginator
    list_display = ["created_at", "promotion", "order_id", "user_id", "amount", "state"]
    list_select_related = ["promotion"]
    list_filter = ["state", "created_at"]
    search_fields = ["=order_id", "=user_id", "promotion__code"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
