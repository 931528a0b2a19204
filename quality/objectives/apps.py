from django.apps import AppConfig


class ObjectivesConfig(AppConfig):
    name = "quality.objectives"
    label = "quality_objectives"
    verbose_name = "Mục tiêu chất lượng"

    def ready(self):
        from quality.core import inbox
        from quality.objectives.inbox import _objectives

        inbox.source_register("objectives", _objectives)
