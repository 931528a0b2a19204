from django.apps import AppConfig

from tenants import moved_links


class ReviewsConfig(AppConfig):
    name = "quality.reviews"
    label = "quality_reviews"
    verbose_name = "Xem xét của lãnh đạo và báo cáo"

    def ready(self):
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
