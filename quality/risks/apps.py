from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tenants import moved_links


class RisksConfig(AppConfig):
    name = "quality.risks"
    label = "quality_risks"
    verbose_name = "Bối cảnh, rủi ro và cơ hội"

    def ready(self):
        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "risks",
                _("Rủi ro và cơ hội"),
                "6.1",
                "exclamation-triangle",
                "risks:register",
                order=30,
            )
        )

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.core.services import settings_check_register
        from quality.risks.checks import matrix_shrink_check

        settings_check_register("risk_matrix_size", matrix_shrink_check)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register("quality_risks.risk", "risks:detail", "risk-detail")
