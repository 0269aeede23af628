"""Emails about an order (text + HTML): confirmation when paid, shipped, cancelled.

Sent by `order_email_send_task` on the `email` queue, which orders' receivers queue when the
outbox delivers `order.paid|shipped|cancelled` (so a broker outage delays an email, never
loses it). Each kind is sent at most once per order: the `OrderEmail` row is locked and
marked in the transaction that sends.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.orders.models import Order, OrderEmail
from apps.orders.services.info import order_info
from apps.payments.services import refund_get
from shop.errors import parse_uuid

SUBJECTS = {
    OrderEmail.Kind.CONFIRMATION: "Your order {number} is confirmed",
    OrderEmail.Kind.SHIPPED: "Your order {number} has shipped",
    OrderEmail.Kind.CANCELLED: "Your order {number} was cancelled",
    OrderEmail.Kind.REFUND: "A refund for your order {number}",
}


def order_email_send(*, order_id: UUID | str, kind: str, reference: str = "") -> bool:
    """Send the `kind` email of the order once (per `reference`: the refund's id for a
    refund email). Returns True when sent now, False when it had been sent already (or the
    order is gone). Raises what the mail backend raises (SMTP, OSError) with nothing marked,
    so the task retries."""
    if kind not in OrderEmail.Kind.values:
        raise ValueError(f"unknown order email {kind!r}")
    order = Order.objects.filter(id=parse_uuid(order_id, "order_id")).first()
    if order is None:
        return False
    with transaction.atomic():
        mark, _ = OrderEmail.objects.select_for_update().get_or_create(
            order=order, kind=kind, reference=reference
        )
        if mark.sent_at is not None:
            return False
        info = order_info(order)
        context = {
            "order": info,
            "shop_name": settings.SHOP_NAME,
            "order_url": f"{settings.FRONTEND_URL.rstrip('/')}/orders/{info.id}",
        }
        if kind == OrderEmail.Kind.REFUND:
            context["refund"] = refund = refund_get(refund_id=reference)
            names = {str(line.variant_id): line for line in info.lines}
            context["refund_lines"] = [
                {
                    **part,
                    "name": names[part["variant_id"]].name,
                    "sku": names[part["variant_id"]].sku,
                }
                for part in refund.lines
                if part["variant_id"] in names
            ]
        message = EmailMultiAlternatives(
            subject=SUBJECTS[kind].format(number=info.order_number),
            body=render_to_string(f"orders/email/{kind}.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[info.email],
        )
        html = render_to_string(f"orders/email/{kind}.html", context)
        message.attach_alternative(html, "text/html")
        message.send()
        mark.sent_at = timezone.now()
        mark.save(update_fields=["sent_at"])
    return True
