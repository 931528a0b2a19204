from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "iso_platform.console"
    label = "console"
    verbose_name = "Bảng điều khiển cấp tỉnh"
