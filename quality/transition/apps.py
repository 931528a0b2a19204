from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tenants import moved_links


class TransitionConfig(AppConfig):
    name = "quality.transition"
    label = "quality_transition"
    verbose_name = "Chuyển đổi phiên bản tiêu chuẩn"

    def ready(self):
        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "transition",
                _("Chuyển đổi phiên bản ISO 9001"),
                "4.4",
                "arrow-repeat",
                "transition:home",
                order=95,
            )
        )
        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register("quality_transition.gapquestion", "transition:question")
