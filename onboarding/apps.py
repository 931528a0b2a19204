from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OnboardingConfig(AppConfig):
    name = "onboarding"

    def ready(self):
        # Imported in ready(): models and receivers exist once the app registry is loaded.
        from iso_platform.accounts.signals import people_changed
        from tenants.signals import agency_seeding

        post_migrate.connect(_publish_file_packs, dispatch_uid="onboarding.publish_file_packs")
        people_changed.connect(_people_changed, dispatch_uid="onboarding.people_changed")
        agency_seeding.connect(_agency_seeding, dispatch_uid="onboarding.agency_seeding")


def _agency_seeding(sender, *, agency, **kwargs):
    """A new agency starts from the framework-model template pack of its kind (as drafts)."""
    # Imported in ready(): models and receivers exist once the app registry is loaded.
    from onboarding.services.packs import pack_install

    pack_install(agency_name=agency.name, kind=agency.kind)


def _people_changed(sender, **kwargs):
    """Someone joined or left the agency: the checklist recounts after commit."""
    # Imported in ready(): models and receivers exist once the app registry is loaded.
    from onboarding.services.checklist import checklist_refresh_on_commit

    checklist_refresh_on_commit()


def _publish_file_packs(sender, **kwargs):
    """After migrating the public schema, the packs shipped as files are published releases
    (idempotent: a pack version is published once)."""
    from django.conf import settings
    from django.db import connection

    if getattr(sender, "name", "") != "tenants":
        return
    if connection.schema_name != settings.PUBLIC_SCHEMA_NAME:
        return
    # Imported in ready(): models and receivers exist once the app registry is loaded.
    from onboarding.services.releases import release_sync_files

    release_sync_files()
