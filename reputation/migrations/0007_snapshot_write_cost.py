import django.db.models.deletion
from django.db import migrations, models

# lz4 compresses a snapshot's ledger (about 2.7 KB of JSON) several times faster than PostgreSQL's
# default pglz; the nightly recompute writes one per freelancer. Servers built without lz4 keep
# pglz: the statement is skipped, not failed.
LEDGER_LZ4 = """
DO $$
BEGIN
    ALTER TABLE reputation_scoresnapshot ALTER COLUMN ledger SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END $$;
"""


def ledger_lz4(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LEDGER_LZ4)


class Migration(migrations.Migration):
    dependencies = [
        ("reputation", "0006_client_standards_fields"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scoresnapshot",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="score_snapshots",
                to="reputation.account",
            ),
        ),
        migrations.AlterField(
            model_name="scoresnapshot",
            name="run",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="snapshots",
                to="reputation.scorerun",
            ),
        ),
        migrations.RunPython(ledger_lz4, migrations.RunPython.noop),
    ]
