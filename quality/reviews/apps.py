from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quality.core.signatures.subjects import subject_register
from tenants import moved_links


class ReviewsConfig(AppConfig):
    name = "quality.reviews"
    label = "quality_reviews"
    verbose_name = "Xem xét của lãnh đạo và báo cáo"

    def ready(self):
        # Who may download the signed minutes and reports by API (quality.core.signatures).
        subject_register("managementreview", "reviews.view")
        subject_register("annualreport", "reviews.view")

        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "reviews", _("Xem xét của lãnh đạo"), "9.3", "people", "reviews:list", order=70
            )
        )
        navigation.area_register(
            navigation.Area(
                "reports", _("Báo cáo năm"), "", "file-earmark-bar-graph", "reviews:annual", 90
            )
        )

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.core import inbox
        from quality.reviews.inbox import _reviews

        inbox.source_register("reviews", _reviews)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register(
            "quality_reviews.managementreview",
            "reviews:detail",
            "review-detail",
            "reviews:minutes_pdf",
            "reviews:minutes_docx",
        )
