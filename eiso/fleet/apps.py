from django.apps import AppConfig


class FleetConfig(AppConfig):
    """Fleet operations that must know every area: merging two agencies and splitting one.

    Composition: they name the models of every QMS area, so they live above them; tenants
    runs them as life-cycle operations through the runner each registers here.
    """

    name = "eiso.fleet"
    label = "fleet"
    verbose_name = "Hợp nhất và chia tách cơ quan"

    def ready(self):
        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from eiso.fleet import merge, split
        from tenants.models import OperationKind
        from tenants.services.operations import runner_register

        runner_register(OperationKind.MERGE, merge.merge_run)
        runner_register(OperationKind.SPLIT, split.split_run)
