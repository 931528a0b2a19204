from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Cross-agency statistics for the department: public-schema facts, dashboard, reports,
    inspections, platform health."""

    name = "insights"
    verbose_name = _("Thống kê toàn tỉnh")

    def ready(self):
        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from insights import signals  # noqa: F401  (marks agencies dirty on writes)
        from insights.services import dirty
        from iso_platform.signals import bulk_written
        from quality.core import navigation
        from tenants.signals import agencies_rewritten

        # The agency's own service quality index, a tile on its home page.
        navigation.area_register(
            navigation.Area(
                "service_index",
                _("Chỉ số phục vụ người dân, doanh nghiệp"),
                "9.1",
                "speedometer2",
                "service_index:agency",
                order=85,
            )
        )
        bulk_written.connect(dirty.bulk_written, dispatch_uid="insights.bulk_written")
        agencies_rewritten.connect(dirty.agencies_rewritten, dispatch_uid="insights.rewritten")
