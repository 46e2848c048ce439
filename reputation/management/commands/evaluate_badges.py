from django.core.management.base import BaseCommand

from reputation.evaluation import evaluate_badges, unfinished_evaluation
from trustconsole.actors import SystemActor


class Command(BaseCommand):
    help = "Run this week's badge evaluation (resuming an interrupted one), as the weekly job does."

    def handle(self, *args, **options):
        resumed = unfinished_evaluation()
        if resumed:
            self.stdout.write(f"Resuming the evaluation of {resumed.week} after account {resumed.last_account_id}.")
        run = evaluate_badges(actor=SystemActor("evaluate_badges"), run=resumed)
        self.stdout.write(f"Week of {run.week}: {run.accounts_done} freelancers evaluated.")
