from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "quality.improvement"
    label = "quality_improvement"
    verbose_name = "Sự không phù hợp và cải tiến"
