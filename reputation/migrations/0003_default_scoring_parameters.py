from django.db import migrations


def publish_defaults(apps, schema_editor):
    ScoringParameters = apps.get_model("reputation", "ScoringParameters")
    if not ScoringParameters.objects.exists():
        ScoringParameters.objects.create(version=1)


class Migration(migrations.Migration):
    dependencies = [("reputation", "0002_standing_contracts_scores")]

    operations = [migrations.RunPython(publish_defaults, migrations.RunPython.noop)]
