from django.apps import AppConfig

from tenants import moved_links


class CoreConfig(AppConfig):
    name = "quality.core"
    label = "quality_core"
    verbose_name = "Cổng cơ quan"

    def ready(self):
        # Old links to a record moved by a merge or a split follow it (tenants/moved_links.py).
        moved_links.register("quality_core.unit", "portal:unit_edit")
