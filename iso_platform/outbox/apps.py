from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "iso_platform.outbox"
    label = "outbox"
    verbose_name = "Hàng đợi tác vụ chờ gửi"
