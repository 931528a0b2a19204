from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from billing import receivers
        from iso_platform.quotas import quota_requested
        from tenants.guards import write_guard_register
        from tenants.signals import agency_provisioned

        quota_requested.connect(receivers.quota_requested, dispatch_uid="billing.quota")
        write_guard_register("billing.dunning", receivers.dunning_guard)
        agency_provisioned.connect(
            receivers.agency_provisioned, dispatch_uid="billing.agency_provisioned"
        )
