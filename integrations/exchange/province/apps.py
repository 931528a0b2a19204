from django.apps import AppConfig


class ExchangeProvinceConfig(AppConfig):
    """The province's platform connection for document exchange (SHARED_APPS only)."""

    name = "integrations.exchange.province"
    label = "integrations_exchange_province"
    verbose_name = "Kết nối liên thông văn bản của tỉnh"
