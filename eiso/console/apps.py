from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "eiso.console"
    label = "console"
    verbose_name = "Bảng điều khiển cấp tỉnh"
