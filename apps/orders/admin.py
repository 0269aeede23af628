"""Orders admin: orders are read here and moved only through the state machine (the actions
below call the same services as the staff API); shipping methods and tax rates are edited."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from apps.orders import services
from apps.orders.models import (
    Order,
    OrderHistory,
    OrderLine,
    Return,
    ReturnLine,
    ShippingMethod,
    TaxRate,
)
from apps.orders.state_machine import Status
from shop.admin_pagination import EstimatedCountPaginator
from shop.errors import DomainError


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    fields = ["sku", "name", "unit_price", "quantity", "discount", "total_price", "variant_id"]
    readonly_fields = fields


class OrderHistoryInline(_ReadOnlyInline):
    model = OrderHistory
    fields = ["created_at", "from_status", "to_status", "note", "actor", "actor_id"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class ShipForm(forms.Form):
    tracking_number = forms.CharField(max_length=100)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_display = ["order_number", "email", "status", "total", "currency", "created_at"]
    list_filter = ["status", "created_at", "shipping_method"]
    # "=" is a case-insensitive exact match: staff may type sh-7k4q-2m9x.
    search_fields = ["=order_number", "email"]
    ordering = ["-created_at", "-id"]
    inlines = [OrderLineInline, OrderHistoryInline]
    actions = ["mark_processing", "mark_shipped", "mark_delivered", "cancel"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Order._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _move(self, request, queryset, status: str, **kwargs) -> None:
        done = 0
        for order in queryset.order_by("pk"):
            try:
                services.order_status_set(
                    order_id=order.pk,
                    status=status,
                    actor=services.Actor.staff(request.user.pk),
                    note=f"admin: {request.user}",
                    **kwargs,
                )
                done += 1
            except DomainError as error:
                self.message_user(request, f"{order}: {error.message}", messages.ERROR)
        self.message_user(request, f"{done} order(s) {status}.", messages.INFO)

    @admin.action(description="Mark the selected orders processing")
    def mark_processing(self, request, queryset):
        self._move(request, queryset, Status.PROCESSING)

    @admin.action(description="Mark the selected orders shipped (with a tracking number)")
    def mark_shipped(self, request, queryset):
        form = ShipForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._move(
                request,
                queryset,
                Status.SHIPPED,
                tracking_number=form.cleaned_data["tracking_number"],
            )
            return None
        return render(
            request,
            "admin/orders/ship.html",
            {**self.admin_site.each_context(request), "form": form, "orders": queryset},
        )

    @admin.action(description="Mark the selected orders delivered")
    def mark_delivered(self, request, queryset):
        self._move(request, queryset, Status.DELIVERED)

    @admin.action(description="Cancel the selected orders")
    def cancel(self, request, queryset):
        self._move(request, queryset, Status.CANCELLED)


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "price", "free_over", "active", "position"]
    list_editable = ["price", "free_over", "active", "position"]
    list_filter = ["active"]


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["country", "state", "rate"]
    list_editable = ["rate"]
    list_filter = ["country"]
    search_fields = ["state"]


class ReturnLineInline(_ReadOnlyInline):
    model = ReturnLine
    fields = ["variant_id", "quantity", "received_quantity", "restocked_quantity"]
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    """Returns are read here; they are received through `returns/{id}/receive` (staff API),
    which restocks and refunds in one transaction."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_display = ["id", "order", "status", "reason", "refund_amount", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "=order__order_number", "=user_id"]
    inlines = [ReturnLineInline]
    readonly_fields = [f.name for f in Return._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
