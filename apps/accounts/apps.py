from shop import appconfig


class AccountsConfig(appconfig.BoundedContextConfig):
    name = "apps.accounts"
    label = "accounts"
