"""Payments admin: read-only (a payment changes only as its provider reports)."""

from __future__ import annotations

from django.contrib import admin

from apps.payments.models import Payment, Refund, WebhookEvent
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


@admin.register(Refund)
class RefundAdmin(_ReadOnly):
    list_display = [
        "id",
        "payment",
        "amount",
        "status",
        "origin",
        "provider_refund_id",
        "reason",
        "created_at",
    ]
    list_filter = ["status", "origin", "created_at"]
    search_fields = ["=id", "=provider_refund_id", "=payment__order_id"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(_ReadOnly):
    list_display = ["event_id", "provider", "type", "result", "received_at"]
    list_filter = ["provider", "type", "result"]
    search_fields = ["=event_id"]
