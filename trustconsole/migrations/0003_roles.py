"""The four roles exist from the first migrate. Their permissions follow trustconsole.roles after
every migrate (new models bring new permissions); no user is ever created by a migration."""

from django.db import migrations

ROLES = ("analyst", "lead", "admin", "auditor")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("trustconsole", "0002_audit_append_only"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
