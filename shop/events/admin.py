from django.contrib import admin, messages

from shop.admin_pagination import EstimatedCountPaginator
from shop.events.models import OutboxEvent
from shop.events.outbox import events_relay


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "attempts", "created_at", "processed_at", "short_error"]
    # No date_hierarchy: its drill-down scans every row; the date filter is a plain range.
    list_filter = ["status", "name", "created_at"]
    paginator = EstimatedCountPaginator
    search_fields = ["=id", "name"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    show_full_result_count = False
    actions = ["resend"]

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.action(description="Send the selected events again")
    def resend(self, request, queryset):
        ids = list(queryset.values_list("id", flat=True))
        queryset.update(status=OutboxEvent.Status.PENDING, attempts=0, last_error="")
        sent = events_relay(ids)
        self.message_user(request, f"{sent} of {len(ids)} events sent.", messages.INFO)

    def has_add_permission(self, request):
        return False
