from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "quality.feedback"
    label = "quality_feedback"
    verbose_name = "Sự hài lòng của người dân"
