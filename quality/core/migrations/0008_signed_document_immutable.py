"""A signed document is immutable: the database itself refuses UPDATE and DELETE."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION quality_core_signed_document_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'eISO: a signed document is immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER quality_core_signeddocument_immutable
    BEFORE UPDATE OR DELETE ON quality_core_signeddocument
    FOR EACH ROW EXECUTE FUNCTION quality_core_signed_document_immutable();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS quality_core_signeddocument_immutable ON quality_core_signeddocument;
DROP FUNCTION IF EXISTS quality_core_signed_document_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("quality_core", "0007_signatures")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
