from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tenants import moved_links


class ObjectivesConfig(AppConfig):
    name = "quality.objectives"
    label = "quality_objectives"
    verbose_name = "Mục tiêu chất lượng"

    def ready(self):
        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "objectives",
                _("Mục tiêu chất lượng"),
                "6.2",
                "bullseye",
                "objectives:list",
                order=40,
            )
        )

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.core import inbox
        from quality.objectives.inbox import _objectives

        inbox.source_register("objectives", _objectives)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register(
            "quality_objectives.objective", "objectives:detail", "objective-detail"
        )
