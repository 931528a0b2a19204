from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tenants import moved_links


class ProceduresConfig(AppConfig):
    name = "quality.procedures"
    label = "quality_procedures"
    verbose_name = "Thủ tục hành chính và hồ sơ"

    def ready(self):
        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "procedures",
                _("Thủ tục hành chính và hồ sơ TTHC"),
                "8",
                "diagram-3",
                "procedures:applications",
                order=20,
            )
        )

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register("quality_procedures.procedure", "procedures:detail")
        moved_links.register(
            "quality_procedures.application", "procedures:application", "procedures:sheet"
        )
