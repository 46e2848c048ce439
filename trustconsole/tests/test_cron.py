from django_rq.cron import DjangoCronScheduler

from cases.jobs import sweep_open_cases_job


def test_the_scheduler_config_registers_the_sla_sweep_every_five_minutes():
    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file("trustconsole.cron")
    (job,) = [job for job in scheduler.get_jobs() if job.func is sweep_open_cases_job]
    assert (job.queue_name, job.interval) == ("default", 300)


def test_the_sweep_job_runs_as_the_system_actor(db):
    assert set(sweep_open_cases_job()) == {"grouped", "released", "breached", "reranked"}


def test_restriction_expiry_and_notice_retries_run_every_minute():
    from reputation.jobs import lift_expired_restrictions_job
    from trustconsole.notices import send_due_notices_job

    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file("trustconsole.cron")
    jobs = {job.func: (job.queue_name, job.interval) for job in scheduler.get_jobs()}
    assert jobs[lift_expired_restrictions_job] == ("default", 60)
    assert jobs[send_due_notices_job] == ("notify", 60)


def test_the_expiry_job_runs_as_the_system_actor(db):
    from reputation.jobs import lift_expired_restrictions_job

    assert lift_expired_restrictions_job() == 0
