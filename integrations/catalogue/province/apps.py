from django.apps import AppConfig


class CatalogueProvinceConfig(AppConfig):
    """The province platform's procedure catalogue service (SHARED_APPS only)."""

    name = "integrations.catalogue.province"
    label = "integrations_catalogue_province"
    verbose_name = "Kết nối danh mục TTHC của tỉnh"
