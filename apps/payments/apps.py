from shop.appconfig import BoundedContextConfig


class PaymentsConfig(BoundedContextConfig):
    name = "apps.payments"
    label = "payments"
