from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quality.core.signatures.subjects import subject_register
from tenants import moved_links


class AuditsConfig(AppConfig):
    name = "quality.audits"
    label = "quality_audits"
    verbose_name = "Đánh giá nội bộ"

    def ready(self):
        # Who may download the signed audit reports by API (quality.core.signatures).
        subject_register("auditplan", "audits.view")

        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "audits", _("Đánh giá nội bộ"), "9.2", "clipboard-check", "audits:list", order=50
            )
        )

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.audits.inbox import _audits
        from quality.core import inbox

        inbox.source_register("audits", _audits)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register(
            "quality_audits.auditplan",
            "audits:plan",
            "audit-plan-detail",
            "audits:report",
            "audits:report_pdf",
        )

        # The agency's edition of ISO 9001 does not change under an open audit.
        from quality.audits.services import edition_switch_check
        from quality.core.services import settings_check_register

        settings_check_register("iso_edition", edition_switch_check)
