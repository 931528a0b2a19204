from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "quality.documents"
    label = "quality_documents"
    verbose_name = "Tài liệu và hồ sơ"
