from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "quality.core"
    label = "quality_core"
    verbose_name = "Cổng cơ quan"
