"""Inventory admin. Quantities change only through services (so the ledger stays whole):
levels, reservations and movements are read-only here; receive or write off stock with the
staff API (`inventory/adjust`) or the action below."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from apps.inventory import services
from apps.inventory.models import LowStockAlert, Reservation, StockLevel, StockMovement, Warehouse
from shop.admin_pagination import EstimatedCountPaginator
from shop.errors import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted by hand (the ledger and the reservations).
    These tables grow with every order: counts are estimated when unfiltered."""

    paginator = EstimatedCountPaginator

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "priority", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    ordering = ["priority", "code"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        # Through the services: (de)activating publishes stock.changed for its variants.
        if not change:
            created = services.warehouse_create(
                code=obj.code, name=obj.name, priority=obj.priority, active=obj.active
            )
            obj.pk = created.id
            return
        services.warehouse_update(
            warehouse_id=obj.pk, name=obj.name, priority=obj.priority, active=obj.active
        )


class AdjustForm(forms.Form):
    delta = forms.IntegerField(help_text="Units to add (receipt) or remove (negative).")
    reason = forms.CharField(max_length=255, required=False)


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    list_display = [
        "variant_id",
        "warehouse",
        "quantity",
        "reserved",
        "available",
        "low_stock_threshold",
        "updated_at",
    ]
    list_select_related = ["warehouse"]
    list_filter = ["warehouse"]
    search_fields = ["=variant_id"]
    show_full_result_count = False
    readonly_fields = ["variant_id", "warehouse", "quantity", "reserved", "low_stock_armed"]
    fields = [*readonly_fields, "low_stock_threshold"]
    actions = ["adjust"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Adjust the quantity of the selected levels")
    def adjust(self, request, queryset):
        form = AdjustForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for level in queryset.order_by("pk"):
                try:
                    services.stock_adjust(
                        variant_id=level.variant_id,
                        warehouse_id=level.warehouse_id,
                        delta=form.cleaned_data["delta"],
                        reason=form.cleaned_data["reason"] or f"admin: {request.user}",
                    )
                    done += 1
                except DomainError as error:
                    self.message_user(request, f"{level}: {error.message}", messages.ERROR)
            self.message_user(request, f"{done} level(s) adjusted.", messages.INFO)
            return None
        return render(
            request,
            "admin/inventory/adjust.html",
            {**self.admin_site.each_context(request), "form": form, "levels": queryset},
        )


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "variant_id", "warehouse", "quantity", "status", "expires_at"]
    list_select_related = ["warehouse"]
    list_filter = ["status", "warehouse", "created_at"]
    search_fields = ["=order_id", "=variant_id"]
    show_full_result_count = False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "variant_id",
        "warehouse",
        "quantity_delta",
        "reserved_delta",
        "order_id",
        "reason",
    ]
    list_select_related = ["warehouse"]
    list_filter = ["kind", "warehouse", "created_at"]
    search_fields = ["=variant_id", "=order_id"]
    show_full_result_count = False


@admin.register(LowStockAlert)
class LowStockAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "variant_id", "warehouse", "available", "threshold", "emailed_at"]
    list_select_related = ["warehouse"]
    list_filter = ["warehouse"]
    search_fields = ["=variant_id"]
    show_full_result_count = False
    readonly_fields = [
        "stock_level",
        "variant_id",
        "warehouse",
        "available",
        "threshold",
        "created_at",
        "emailed_at",
    ]

    def has_add_permission(self, request):
        return False
