from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "quality.feedback"
    label = "quality_feedback"
    verbose_name = "Sự hài lòng của người dân"

    def ready(self):
        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "feedback",
                _("Sự hài lòng của người dân"),
                "9.1.2",
                "emoji-smile",
                "feedback:results",
                order=80,
            )
        )
