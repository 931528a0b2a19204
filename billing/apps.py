from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        # Imported here: the models these modules use exist only once the apps are loaded.
        from django.core import checks

        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from billing import checks as billing_checks
        from billing import receivers
        from iso_platform.quotas import quota_requested
        from tenants.guards import write_guard_register
        from tenants.signals import agency_event, agency_provisioned

        checks.register(billing_checks.seller_settings, "billing")
        quota_requested.connect(receivers.quota_requested, dispatch_uid="billing.quota")
        write_guard_register("billing.dunning", receivers.dunning_guard)
        agency_provisioned.connect(
            receivers.agency_provisioned, dispatch_uid="billing.agency_provisioned"
        )
        agency_event.connect(receivers.agency_event_received, dispatch_uid="billing-agency-event")
