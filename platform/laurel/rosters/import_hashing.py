"""Hash many passwords at once, spread over worker processes.

argon2id at Laurel's cost takes tens of milliseconds per password on one core,
so hashing is nearly all of a large import's time. Workers start through the
"forkserver" method: forking a web process that runs other threads could copy
a lock held by one of them into the child.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor

from laurel.identity.passwords import HASHER

# Passwords per task sent to a worker: enough to make the transfer negligible,
# few enough that progress moves about once a second.
CHUNK_SIZE = 20
# Below this many passwords, starting processes costs more than it saves.
INLINE_MAX = 8

Progress = Callable[[int, int], None]


def default_workers() -> int:
    return (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else (os.cpu_count() or 1)
    )


def hash_passwords(
    passwords: Sequence[str],
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[str]:
    """Return the argon2id hash of each password, in order.

    workers: processes to use; None means one per available CPU core.
    progress: called as ``progress(done, total)`` at the start, after every
    ``CHUNK_SIZE`` hashes and at the end, in the calling process.
    """
    total = len(passwords)
    report = progress or (lambda done, total: None)
    report(0, total)
    workers = min(workers or default_workers(), -(-total // CHUNK_SIZE))
    if workers <= 1 or total <= INLINE_MAX:
        return collect(map(HASHER.hash, passwords), total, report)
    with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context()) as pool:
        # The bound method pickles as the hasher and its parameters, so a worker
        # imports argon2 only, not Laurel and Flask.
        results = pool.map(HASHER.hash, passwords, chunksize=CHUNK_SIZE)
        return collect(results, total, report)


def collect(results: Iterable[str], total: int, report: Progress) -> list[str]:
    hashes: list[str] = []
    for password_hash in results:
        hashes.append(password_hash)
        if len(hashes) % CHUNK_SIZE == 0 or len(hashes) == total:
            report(len(hashes), total)
    return hashes


def worker_context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported argon2 once already.
    context.set_forkserver_preload(["argon2"])
    return context
