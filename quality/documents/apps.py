from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "quality.documents"
    label = "quality_documents"
    verbose_name = "Tài liệu và hồ sơ"

    def ready(self):
        from quality.core import inbox
        from quality.documents.inbox import _documents

        inbox.source_register("documents", _documents)
