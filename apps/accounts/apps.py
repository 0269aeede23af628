from shop.appconfig import BoundedContextConfig


class AccountsConfig(BoundedContextConfig):
    name = "apps.accounts"
    label = "accounts"
