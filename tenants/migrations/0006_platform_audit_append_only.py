"""The platform audit log is append-only: the database itself refuses UPDATE and DELETE."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION tenants_platform_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'eISO: the platform audit log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER tenants_platformauditevent_append_only
    BEFORE UPDATE OR DELETE ON tenants_platformauditevent
    FOR EACH ROW EXECUTE FUNCTION tenants_platform_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS tenants_platformauditevent_append_only ON tenants_platformauditevent;
DROP FUNCTION IF EXISTS tenants_platform_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_platform_audit_event")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
