from django.apps import AppConfig

from tenants import moved_links


class ProceduresConfig(AppConfig):
    name = "quality.procedures"
    label = "quality_procedures"
    verbose_name = "Thủ tục hành chính và hồ sơ"

    def ready(self):
        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register("quality_procedures.procedure", "procedures:detail")
        moved_links.register(
            "quality_procedures.application", "procedures:application", "procedures:sheet"
        )
