from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Document exchange with the agencies' document-management systems (edXML): each
    agency's exchange log, recipients and deliveries (TENANT_APPS). The province's platform
    connection is `integrations.exchange.province` (SHARED_APPS)."""

    name = "integrations.exchange"
    label = "integrations_exchange"
    verbose_name = "Liên thông văn bản (edXML)"

    def ready(self):
        # Imported in ready(): the tasks module registers the tasks the outbox names.
        from integrations.exchange import tasks  # noqa: F401
