from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "iso_platform.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self):
        from iso_platform.accounts import schema  # noqa: F401 - registers the OpenAPI extension
