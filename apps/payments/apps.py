from shop import appconfig


class PaymentsConfig(appconfig.BoundedContextConfig):
    name = "apps.payments"
    label = "payments"
