"""Orders' public interface: checkout (the saga), the order lifecycle, shipping methods.

The API, admin, tasks and receivers call these; orders is the top layer, so no other app
does. Modules of this package are its private layout.
"""

from apps.orders.services.checkout import (
    CheckoutResult,
    OrderExpired,
    checkout,
    checkout_preview,
)
from apps.orders.services.emails import order_email_send
from apps.orders.services.info import Actor, HistoryInfo, OrderInfo, OrderLineInfo, order_info
from apps.orders.services.lifecycle import order_cancel, order_status_set
from apps.orders.services.payment_outcomes import (
    order_payment_failed,
    order_payment_succeeded,
    order_reservation_expired,
)
from apps.orders.services.pricing import Quote, QuoteLine
from apps.orders.services.queries import (
    ShippingMethodInfo,
    order_get,
    orders_list,
    shipping_methods_list,
)
from apps.orders.services.refunds import (
    order_refund_create,
    order_refund_failed,
    order_refund_recorded,
)
from apps.orders.services.returns import (
    ReturnInfo,
    return_create,
    return_get,
    return_info,
    return_receive,
    returns_list,
)

__all__ = [
    "Actor",
    "CheckoutResult",
    "HistoryInfo",
    "OrderExpired",
    "OrderInfo",
    "OrderLineInfo",
    "Quote",
    "QuoteLine",
    "ReturnInfo",
    "ShippingMethodInfo",
    "checkout",
    "checkout_preview",
    "order_cancel",
    "order_email_send",
    "order_get",
    "order_info",
    "order_payment_failed",
    "order_payment_succeeded",
    "order_refund_create",
    "order_refund_failed",
    "order_refund_recorded",
    "order_reservation_expired",
    "order_status_set",
    "orders_list",
    "return_create",
    "return_get",
    "return_info",
    "return_receive",
    "returns_list",
    "shipping_methods_list",
]
