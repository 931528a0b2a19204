from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "quality.risks"
    label = "quality_risks"
    verbose_name = "Bối cảnh, rủi ro và cơ hội"
