from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "quality.reviews"
    label = "quality_reviews"
    verbose_name = "Xem xét của lãnh đạo và báo cáo"
