from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "quality.reviews"
    label = "quality_reviews"
    verbose_name = "Xem xét của lãnh đạo và báo cáo"

    def ready(self):
        from quality.core import inbox
        from quality.reviews.inbox import _reviews

        inbox.source_register("reviews", _reviews)
