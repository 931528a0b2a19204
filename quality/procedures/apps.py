from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "quality.procedures"
    label = "quality_procedures"
    verbose_name = "Thủ tục hành chính và hồ sơ"
