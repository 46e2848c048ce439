"""Background work. Each job is a thin function that takes ids and calls a service.

`enqueue` is the one way to start a job: it waits for the surrounding transaction to commit, then
hands the job to its RQ queue, or, in the embedded demo without Redis, runs it inline.
"""

from django.conf import settings
from django.db import transaction


def enqueue(queue_name, func, *args, job_id=None, **kwargs):
    if queue_name not in settings.JOB_QUEUES:
        raise ValueError(f"Unknown job queue {queue_name!r}; the queues are {settings.JOB_QUEUES}")

    def send():
        if not settings.REDIS_URL:
            func(*args, **kwargs)
            return
        import django_rq

        django_rq.get_queue(queue_name).enqueue_call(func, args=args, kwargs=kwargs, job_id=job_id)

    transaction.on_commit(send)
    return job_id
