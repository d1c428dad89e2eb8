"""Progress of the running job in ``job.meta["progress"]``."""

from __future__ import annotations

import logging
import time

from rq import get_current_job

logger = logging.getLogger(__name__)

# Saving the meta hash costs one Redis round trip, so saves are spaced out.
SAVE_INTERVAL_SECONDS = 0.5


class Progress:
    """Store {"done": n, "total": m} in the current RQ job; a no-op outside a worker."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._job = get_current_job()
        self._saved_at = 0.0
        self._save(force=True)

    def update(self, done: int) -> None:
        """Record that done of total items are finished, saving now and then."""
        self.done = max(self.done, min(done, self.total))
        self._save(force=self.done == self.total)

    def finish(self) -> None:
        """Record that every item is finished and save at once."""
        self.done = self.total
        self._save(force=True)

    def _save(self, force: bool) -> None:
        if self._job is None:
            return
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_INTERVAL_SECONDS:
            return
        self._job.meta["progress"] = {"done": self.done, "total": self.total}
        self._job.save_meta()
        self._saved_at = now
