from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tenants import moved_links


class CompetenceConfig(AppConfig):
    name = "quality.competence"
    label = "quality_competence"
    verbose_name = "Năng lực, đào tạo và nhận thức"

    def ready(self):
        # The area's tile on the home page (quality.core.navigation): clause 7.2 sits between
        # planning (6.x) and operation (8.x) in ISO order.
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "competence",
                _("Năng lực và đào tạo"),
                "7.2",
                "mortarboard",
                "competence:home",
                order=45,
            )
        )

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.competence.inbox import _competence
        from quality.core import inbox

        inbox.source_register("competence", _competence)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register(
            "quality_competence.trainingsession",
            "competence:session",
            "competence:evaluate",
            "competence:attend",
            "competence-session-detail",
        )
        moved_links.register(
            "quality_competence.campaign",
            "competence:campaign",
            "competence:answer",
            "competence-campaign-detail",
        )
        moved_links.register("accounts.user", "competence:person", "competence:person_pdf")
