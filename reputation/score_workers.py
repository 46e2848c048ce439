"""The recompute spread over worker processes: each scores whole chunks of freelancers and writes
their snapshots itself, so the scoring (pure Python, one core per process) runs in parallel.

The parent hands out chunks in id order, a few per worker at a time so memory stays bounded, and
moves the run's progress only past chunks whose every predecessor is written too. Chunks finish
out of order, so a run killed mid-way may redo a few finished chunks when it resumes; a snapshot
is unique per (run, account), so redoing one writes nothing twice.

Workers are forked, with the parent's database connection closed first so that no child
shares its socket; each child opens its own on its first query.
"""

import multiprocessing
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from django.db import connection, connections, transaction

CHUNKS_IN_FLIGHT_PER_WORKER = 2


# Clients' rater facts, kept by each worker process from one chunk to the next.
_raters = {}


def _score_chunk(run, params, ids):
    from reputation.scores import score_chunk

    score_chunk(run, params, ids, raters=_raters)


def recompute_in_processes(run, params, chunks, workers, after_chunk=None):
    """Score `chunks` (lists of ascending ids) of `run` in `workers` processes."""
    if connection.in_atomic_block:
        raise RuntimeError("Worker processes cannot see this transaction's rows; run outside one.")
    chunks = iter(chunks)
    pending, in_order, finished = {}, deque(), set()
    first = next(chunks, None)
    if first is None:
        return
    # A fork context starts every worker at the first submit: close the connections before it.
    connections.close_all()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))

    def hand_out(ids):
        if ids is not None:
            pending[pool.submit(_score_chunk, run, params, ids)] = ids
            in_order.append(ids)

    try:
        hand_out(first)
        for _ in range(workers * CHUNKS_IN_FLIGHT_PER_WORKER - 1):
            hand_out(next(chunks, None))
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                ids = pending.pop(future)
                future.result()  # a worker's error ends the run here, progress as far as it got
                finished.add(ids[0])
                hand_out(next(chunks, None))
            while in_order and in_order[0][0] in finished:
                ids = in_order.popleft()
                finished.discard(ids[0])
                with transaction.atomic():
                    run.last_account_id, run.accounts_done = ids[-1], run.accounts_done + len(ids)
                    run.save(update_fields=["last_account_id", "accounts_done"])
                if after_chunk:
                    after_chunk(run)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
