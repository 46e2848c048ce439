"""Periodic jobs, run by exactly one `manage.py rqcron trustconsole.cron` (make scheduler).

Like urls.py, this module only wires the apps' jobs together. RQ's cron has no leader election:
run a single scheduler process.
"""

from rq import cron

from cases.jobs import sweep_open_cases_job
from reputation.jobs import (
    evaluate_badges_job,
    expire_overrides_job,
    lift_expired_restrictions_job,
    recompute_scores_job,
)
from standards.jobs import assess_clients_job
from trustconsole.notices import send_due_notices_job

cron.register(sweep_open_cases_job, queue_name="default", interval=300, name="sweep-open-cases")
cron.register(lift_expired_restrictions_job, queue_name="default", interval=60, name="lift-expired-restrictions")
cron.register(send_due_notices_job, queue_name="notify", interval=60, name="send-due-notices")
cron.register(
    recompute_scores_job, queue_name="reputation", cron="0 3 * * *", job_timeout=3600, name="recompute-scores"
)
cron.register(evaluate_badges_job, queue_name="reputation", cron="0 6 * * 1", job_timeout=3600, name="evaluate-badges")
cron.register(expire_overrides_job, queue_name="default", interval=300, name="expire-badge-overrides")
cron.register(assess_clients_job, queue_name="reputation", cron="30 4 * * *", job_timeout=3600, name="assess-clients")
