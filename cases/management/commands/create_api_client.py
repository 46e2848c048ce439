from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.models import ApiScope, Detector
from cases.services.api_clients import create_api_client
from trustconsole.actors import SystemActor


class Command(BaseCommand):
    help = "Create an API client and print its bearer token once. It is never shown again."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", action="append", required=True, choices=ApiScope.values, dest="scopes")
        parser.add_argument("--detector", help="Slug of the detector this client speaks for.")
        parser.add_argument("--rate", type=int, default=120, help="Requests per minute (default 120).")

    def handle(self, *args, name, scopes, detector=None, rate=120, **options):
        found = None
        if detector:
            found = Detector.objects.filter(slug=detector).first()
            if found is None:
                raise CommandError(
                    f"No detector with slug {detector!r}. Run load_catalogue, or pick one in Django admin."
                )
        try:
            client, token = create_api_client(
                actor=SystemActor("create-api-client"),
                name=name,
                scopes=scopes,
                detector=found,
                rate_limit_per_minute=rate,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"API client {client.name!r} created with scopes {', '.join(client.scopes)}.")
        self.stdout.write("Its token (shown once, store it now):")
        self.stdout.write(token)
