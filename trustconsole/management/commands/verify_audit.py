from django.core.management.base import BaseCommand, CommandError

from trustconsole.models import AuditEvent
from trustconsole.selectors import first_audit_chain_break


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero naming the first broken row."

    def handle(self, *args, **options):
        broken = first_audit_chain_break()
        if broken is not None:
            raise CommandError(f"Audit chain broken at event #{broken.event_id}: {broken.problem}.")
        self.stdout.write(f"Audit chain valid: {AuditEvent.objects.count()} events.")
