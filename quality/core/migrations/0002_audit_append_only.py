"""The audit trail is append-only: the database itself refuses UPDATE and DELETE."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION quality_core_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'eISO: the audit trail is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER quality_core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON quality_core_auditevent
    FOR EACH ROW EXECUTE FUNCTION quality_core_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS quality_core_auditevent_append_only ON quality_core_auditevent;
DROP FUNCTION IF EXISTS quality_core_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("quality_core", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
