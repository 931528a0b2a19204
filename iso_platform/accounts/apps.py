from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "iso_platform.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"
