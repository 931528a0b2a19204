from django.apps import AppConfig

from tenants import moved_links


class ImprovementConfig(AppConfig):
    name = "quality.improvement"
    label = "quality_improvement"
    verbose_name = "Sự không phù hợp và cải tiến"

    def ready(self):
        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.core import inbox
        from quality.improvement.inbox import _actions, _nonconformities

        inbox.source_register("actions", _actions)
        inbox.source_register("nonconformities", _nonconformities)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register("quality_improvement.nonconformity", "improvement:detail", "nc-detail")
