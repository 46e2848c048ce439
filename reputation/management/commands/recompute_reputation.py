from django.core.management.base import BaseCommand, CommandError

from reputation.models import Account
from reputation.scores import recompute_scores, unfinished_run
from trustconsole.actors import SystemActor


class Command(BaseCommand):
    help = "Recompute success scores: every freelancer (resuming an interrupted run), or one account."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="the account's external id: recompute only this one")
        parser.add_argument("--chunk-size", type=int, default=1000)

    def handle(self, *args, account=None, chunk_size=1000, **options):
        actor = SystemActor("recompute_reputation")
        if account:
            found = Account.objects.filter(external_id=account).first()
            if found is None:
                raise CommandError(f"No account {account!r}.")
            run = recompute_scores(actor=actor, account_ids=[found.pk], chunk_size=chunk_size)
        else:
            resumed = unfinished_run()
            if resumed:
                self.stdout.write(f"Resuming run {resumed.pk} after account {resumed.last_account_id}.")
            run = recompute_scores(actor=actor, run=resumed, chunk_size=chunk_size)
        self.stdout.write(f"Run {run.pk}: {run.accounts_done} accounts as of {run.as_of:%Y-%m-%d %H:%M} UTC.")
