from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tenants import moved_links


class ImprovementConfig(AppConfig):
    name = "quality.improvement"
    label = "quality_improvement"
    verbose_name = "Sự không phù hợp và cải tiến"

    def ready(self):
        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "nonconformities",
                _("Sự không phù hợp và khắc phục"),
                "10.2",
                "tools",
                "improvement:list",
                order=60,
            )
        )

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.core import inbox
        from quality.improvement.inbox import _actions, _nonconformities

        inbox.source_register("actions", _actions)
        inbox.source_register("nonconformities", _nonconformities)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register("quality_improvement.nonconformity", "improvement:detail", "nc-detail")
