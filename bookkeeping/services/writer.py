"""PostgreSQL: a document's entry, its lines and its booking written by a thread of its own.

Deciding a document costs the Python process about as long as writing it costs the database
server. A booking run therefore hands each document's single statement (a transaction of its
own in autocommit, see ``pgwrite``) to a writer thread with its own database connection, and
decides the next document while the server writes the last one: the process and the server
work on the two cores at once. The queue is short, so that a slow database holds the run
back instead of filling memory, and it is drained before anything that depends on the writes
(credit notes look for their booked originals; the run ends).

Only used outside a transaction: statements of a thread of its own could not see the rows of
an open transaction of the caller (the tests' transactions, say), so inside one the caller
writes synchronously.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection as db_connection
from django.db import connections

from connector.services.bulk import async_commit

logger = logging.getLogger("bookkeeping.booking")

Job = tuple[Callable[[], None], Callable[[BaseException], None]]


class BackgroundWriter:
    def __init__(self, depth: int = 64) -> None:
        self.jobs: queue.Queue[Job | None] = queue.Queue(maxsize=depth)
        self.failures = 0
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="booking-writer", daemon=True)
        self.thread.start()

    @staticmethod
    def usable() -> bool:
        return db_connection.vendor == "postgresql" and not db_connection.in_atomic_block

    def submit(self, write: Callable[[], None], failed: Callable[[BaseException], None]) -> None:
        """``write`` runs in the writer thread; when it raises, ``failed`` runs there too."""
        self.jobs.put((write, failed))

    def drain(self) -> None:
        """Wait until everything submitted is written (committed)."""
        self.jobs.join()

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()

    def _run(self) -> None:
        try:
            async_commit(True)  # this thread's connection, as the run's own
            while (job := self.jobs.get()) is not None:
                self._one(*job)
            self.jobs.task_done()
        finally:
            connections.close_all()  # this thread's connections

    def _one(self, write: Callable[[], None], failed: Callable[[BaseException], None]) -> None:
        try:
            write()
        except Exception as exc:  # one broken document never stops a run
            logger.exception("a document could not be written")
            with self._lock:
                self.failures += 1
            try:
                failed(exc)
            except Exception:
                logger.exception("and its failure could not be recorded")
        finally:
            self.jobs.task_done()


def maybe_writer() -> Any:
    """A writer for this run, or None where writes must stay in the caller's thread."""
    return BackgroundWriter() if BackgroundWriter.usable() else None
