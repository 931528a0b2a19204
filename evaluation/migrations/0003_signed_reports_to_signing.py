# The signed evaluation reports move to the kernel's table of the department's signed
# documents (iso_platform.signing ProvinceSignedDocument), which the inspection conclusions
# and the province's yearly report share: one register of numbers, one immutability
# trigger. The rows are copied with their ids (the download links keep working), then the
# old table goes; SignedReport stays as a proxy over the reports of waves.

from django.db import migrations

COPY = """
INSERT INTO signing_provincesigneddocument (
    id, title, content, sha256, signers, signed_by_id, signed_at, timestamped, long_term,
    unavailable, kind, subject_type, subject_id, year, sequence, number, issued_on
)
SELECT id, title, content, sha256, signers, signed_by_id, signed_at, timestamped, long_term,
    unavailable, 'BC', 'evaluation.wave', wave_id::text, year, sequence, number, issued_on
FROM evaluation_signedreport
ON CONFLICT (id) DO NOTHING;
SELECT setval(
    pg_get_serial_sequence('signing_provincesigneddocument', 'id'),
    COALESCE((SELECT max(id) FROM signing_provincesigneddocument), 0) + 1,
    false
);
"""
# Back: the waves' reports return to their table. The kernel's rows stay (immutable; its
# table is dropped when signing 0003 is reversed), hence ON CONFLICT when going forward
# again.
COPY_BACK = """
INSERT INTO evaluation_signedreport (
    id, title, content, sha256, signers, signed_by_id, signed_at, timestamped, long_term,
    unavailable, wave_id, year, sequence, number, issued_on
)
SELECT id, title, content, sha256, signers, signed_by_id, signed_at, timestamped, long_term,
    unavailable, subject_id::bigint, year, sequence, number, issued_on
FROM signing_provincesigneddocument WHERE subject_type = 'evaluation.wave';
"""
OLD_TRIGGER = """
DROP TRIGGER IF EXISTS evaluation_signedreport_immutable ON evaluation_signedreport;
DROP FUNCTION IF EXISTS evaluation_signed_report_immutable();
"""
OLD_TRIGGER_BACK = """
CREATE OR REPLACE FUNCTION evaluation_signed_report_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'eISO: a signed report is immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER evaluation_signedreport_immutable
    BEFORE UPDATE OR DELETE ON evaluation_signedreport
    FOR EACH ROW EXECUTE FUNCTION evaluation_signed_report_immutable();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0002_signed_report'),
        ('signing', '0003_provincesigneddocument'),
    ]

    operations = [
        migrations.RunSQL(COPY, COPY_BACK),
        # DROP TABLE fires no row trigger; the function goes with it.
        migrations.RunSQL(OLD_TRIGGER, OLD_TRIGGER_BACK),
        migrations.DeleteModel(
            name='SignedReport',
        ),
        migrations.CreateModel(
            name='SignedReport',
            fields=[
            ],
            options={
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('signing.provincesigneddocument',),
        ),
    ]
