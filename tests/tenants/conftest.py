import contextlib

import pytest
from django.db import connection

from tenants.models import Agency, SpareSchema
from tenants.services import schemas


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """The world with real commits (for threads and subprocesses), instead of `world`.

    Everything the test makes is removed afterwards.
    """
    with django_db_blocker.unblock():
        before_agencies = set(Agency.objects.values_list("pk", flat=True))
        before_spares = set(SpareSchema.objects.values_list("pk", flat=True))
        yield pytest.eiso_world.fresh()
        connection.set_schema_to_public()
        for agency in Agency.objects.exclude(pk__in=before_agencies):
            with contextlib.suppress(Exception):
                agency.delete(force_drop=True)
        for spare in SpareSchema.objects.exclude(pk__in=before_spares):
            schemas.drop(spare.schema_name)
            spare.delete()
