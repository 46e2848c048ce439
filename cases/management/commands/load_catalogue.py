from django.core.management.base import BaseCommand

from cases.services.catalogue import load_default_catalogue
from trustconsole.actors import SystemActor


class Command(BaseCommand):
    help = "Install or refresh the default policy catalogue (queues, policies, detectors, report reasons)."

    def handle(self, *args, **options):
        counts = load_default_catalogue(actor=SystemActor("load-catalogue"))
        self.stdout.write(f"Catalogue: {counts['created']} created, {counts['updated']} updated.")
