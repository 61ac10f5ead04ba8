"""PostgreSQL session settings of bulk runs (the import, booking): commit without waiting for
the disk, and keep the table statistics up with the run.

PostgreSQL plans lookups from table statistics. A first import or booking run grows its
tables from nothing faster than autovacuum notices; with the statistics of a nearly empty
table the planner (and the cached plans of triggers and foreign-key checks) scans the whole
table for every lookup, and the run becomes quadratic. So a bulk run refreshes the
statistics itself whenever its tables have grown by a quarter since the last time.
"""

from __future__ import annotations

from django.db import connection as db_connection
from django.db import models


class GrowingTables:
    def __init__(self, *tables: type[models.Model], rows: int = 0) -> None:
        self.enabled = db_connection.vendor == "postgresql"
        self.tables = tables
        self.rows = rows  # rows the tables held when the run began
        self.last = 0

    def refresh_if_grown(self, written: int) -> None:
        """``written``: rows the run has added so far."""
        if not self.enabled or written - self.last < max(2000, (self.rows + written) // 4):
            return
        self.last = written
        names = ", ".join(db_connection.ops.quote_name(m._meta.db_table) for m in self.tables)
        with db_connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {names}")


def async_commit(on: bool) -> None:
    """PostgreSQL: commit without waiting for the disk during a bulk run. A crash can then lose
    only the last commits, in order, each a whole unit (a document with its versions, or its
    entry with its booking); runs resume from what was committed (the import's watermark is
    committed after its window's documents), so the next run does the lost units again."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(f"SET synchronous_commit TO {'OFF' if on else 'DEFAULT'}")
