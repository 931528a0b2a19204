from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        # Imported here: the models these modules use exist only once the apps are loaded.
        from django.core import checks

        from billing import checks as billing_checks
        from billing import receivers
        from tenants.signals import agency_event

        checks.register(billing_checks.seller_settings, "billing")
        agency_event.connect(receivers.agency_event_received, dispatch_uid="billing-agency-event")
