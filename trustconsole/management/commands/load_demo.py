from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from trustconsole.actors import SystemActor
from trustconsole.demo import DEMO_PASSWORD, DEMO_USERS, load_staff


class Command(BaseCommand):
    help = "Load the demo logins and marketplace data. Idempotent: a second run adds nothing."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even though DATABASE_URL is set.")

    def handle(self, *args, force=False, **options):
        if settings.PRODUCTION and not force:
            raise CommandError(
                "Refusing to load demo logins into a production database (DATABASE_URL is set). "
                "Pass --force if this really is a disposable database."
            )
        actor = SystemActor("demo-loader")
        created = load_staff(actor)
        self.stdout.write(f"Demo staff: {created} created, {len(DEMO_USERS) - created} already there.")
        for dotted_path in getattr(settings, "DEMO_LOADERS", []):
            import_string(dotted_path)(actor=actor, stdout=self.stdout)
        self.stdout.write(f"\nDemo logins (password for each: {DEMO_PASSWORD}):")
        for username, role, duty in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {role:<8} {duty}")
