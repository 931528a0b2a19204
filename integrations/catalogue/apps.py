from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    """Imports from the national database of administrative procedures into the agency's
    procedure catalogue: previews, applied imports and their log (TENANT_APPS). The
    province's platform connection is `integrations.catalogue.province` (SHARED_APPS)."""

    name = "integrations.catalogue"
    label = "integrations_catalogue"
    verbose_name = "Danh mục TTHC quốc gia"
