from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "quality.audits"
    label = "quality_audits"
    verbose_name = "Đánh giá nội bộ"
