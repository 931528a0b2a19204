from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "quality.improvement"
    label = "quality_improvement"
    verbose_name = "Sự không phù hợp và cải tiến"

    def ready(self):
        from quality.core import inbox
        from quality.improvement.inbox import _actions, _nonconformities

        inbox.source_register("actions", _actions)
        inbox.source_register("nonconformities", _nonconformities)
