from django.apps import AppConfig


class ObjectivesConfig(AppConfig):
    name = "quality.objectives"
    label = "quality_objectives"
    verbose_name = "Mục tiêu chất lượng"
