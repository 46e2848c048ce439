from django.core.management.base import BaseCommand

from standards.assessment import assess_clients
from trustconsole.actors import SystemActor


class Command(BaseCommand):
    help = "Run today's client standards assessment (finishing it if interrupted), as the daily job does."

    def handle(self, *args, **options):
        run = assess_clients(actor=SystemActor("assess_clients"))
        self.stdout.write(f"Assessment of {run.day}: {run.clients_done} clients looked at.")
