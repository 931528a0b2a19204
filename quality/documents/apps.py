from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quality.core.signatures.subjects import subject_register
from tenants import moved_links


class DocumentsConfig(AppConfig):
    name = "quality.documents"
    label = "quality_documents"
    verbose_name = "Tài liệu và hồ sơ"

    def ready(self):
        # Who may download the signed decisions by API (quality.core.signatures).
        subject_register("revision", "documents.view")
        subject_register("document", "documents.view")

        # The area's tile on the home page (quality.core.navigation).
        from quality.core import navigation

        navigation.area_register(
            navigation.Area(
                "documents",
                _("Tài liệu và hồ sơ"),
                "7.5",
                "journal-text",
                "documents:register",
                order=10,
            )
        )

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from quality.core import inbox
        from quality.documents.inbox import _documents

        inbox.source_register("documents", _documents)

        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register(
            "quality_documents.document",
            "documents:detail",
            "documents:cover",
            "documents:file",
            "document-detail",
        )
