"""Onboarding's public models moved to the `onboarding_province` app: the tables stay where they
are (that app's models keep the `tenants_*` table names), so only Django's state changes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0006_platform_audit_append_only'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='packrelease',
                    name='published_by',
                ),
                migrations.RemoveField(
                    model_name='rolloutbatch',
                    name='uploaded_by',
                ),
                migrations.RemoveField(
                    model_name='rolloutrow',
                    name='batch',
                ),
                migrations.RemoveField(
                    model_name='rolloutrow',
                    name='agency',
                ),
                migrations.DeleteModel(
                    name='AgencyOnboarding',
                ),
                migrations.DeleteModel(
                    name='PackRelease',
                ),
                migrations.DeleteModel(
                    name='RolloutBatch',
                ),
                migrations.DeleteModel(
                    name='RolloutRow',
                ),
            ],
        ),
    ]
