"""The default thresholds row and the four outreach notice templates; admins edit both."""

from django.db import migrations

SIGN_OFF = "\n\nThe Trust & Safety team"
TEMPLATES = [
    (
        "outreach",
        "How freelancers experience working with you",
        "Hello {{ account_name }},\n\nFreelancers who worked with you recently report experiences below our client "
        "standards:\n{{ findings }}\n\nYou have {{ period_days }} days, until {{ period_ends }}, to improve. We will "
        "look again then; if things have not improved, some features of your account will be restricted." + SIGN_OFF,
    ),
    (
        "restricted_1",
        "Some features of your client account are restricted",
        "Hello {{ account_name }},\n\nYour account stayed below our client standards, so from today: {{ restrictions }}."
        "\n\nWe will look again on {{ period_ends }}, {{ period_days }} days from now." + SIGN_OFF,
    ),
    (
        "restricted_2",
        "Your job posts are paused",
        "Hello {{ account_name }},\n\nYour account is still below our client standards, so from today: "
        "{{ restrictions }}.\n\nWe will look again on {{ period_ends }}; if nothing improves, your account may be "
        "suspended." + SIGN_OFF,
    ),
    (
        "monitoring",
        "Your client account is in good standing again",
        "Hello {{ account_name }},\n\nThank you: your account meets our client standards again, and any "
        "restrictions from this process are lifted." + SIGN_OFF,
    ),
]


def install(apps, schema_editor):
    Thresholds = apps.get_model("standards", "Thresholds")
    OutreachTemplate = apps.get_model("standards", "OutreachTemplate")
    if not Thresholds.objects.exists():
        Thresholds.objects.create(
            conduct_policies=["HARASS", "FREE-WORK", "CIR-PAY", "COERCE"],
            hard_trigger_policies=["COERCE", "PAY-FRAUD", "HARASS"],
        )
    for kind, subject, body in TEMPLATES:
        OutreachTemplate.objects.get_or_create(kind=kind, defaults={"subject": subject, "body": body})


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
