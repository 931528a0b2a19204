from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "quality.audits"
    label = "quality_audits"
    verbose_name = "Đánh giá nội bộ"

    def ready(self):
        from quality.audits.inbox import _audits
        from quality.core import inbox

        inbox.source_register("audits", _audits)
