"""Payments admin: read-only (a payment changes only as its provider reports)."""

from __future__ import annotations

from django.contrib import admin

from apps.payments.models import Payment
from shop.admin_pagination import EstimatedCountPaginator


class _ReadOnly(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(_ReadOnly):
    list_display = [
        "intent_id",
        "provider",
        "order_id",
        "amount",
        "currency",
        "status",
        "amount_refunded",
        "refund_due",
        "created_at",
    ]
    list_filter = ["status", "provider", "created_at"]
    search_fields = ["=intent_id", "=order_id", "=user_id"]
