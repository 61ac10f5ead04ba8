"""``setup_periodic_tasks``: create or update the periodic schedule (idempotent; run it on
every deploy). Celery beat (django-celery-beat's DatabaseScheduler) then fires the tick,
which starts each connection's import inside its window and spacing."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from connector.cli import OperatorCommand, int_between

TICK_NAME = "connector: start due imports"


class Command(OperatorCommand):
    help = "Create or update the periodic tasks (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tick-minutes",
            type=int_between(1, 1440, "a number of minutes"),
            default=5,
            help="how often due imports are looked for (default 5)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["tick_minutes"]
        every, _ = IntervalSchedule.objects.get_or_create(
            every=minutes, period=IntervalSchedule.MINUTES
        )
        task, created = PeriodicTask.objects.update_or_create(
            name=TICK_NAME,
            defaults={
                "task": "connector.schedule_tick",
                "interval": every,
                "crontab": None,
                "solar": None,
                "clocked": None,
                "one_off": False,
                "enabled": True,
                "args": json.dumps([]),
                "kwargs": json.dumps({}),
                "description": "Starts each connection's import inside its daily "
                "window and at least its spacing after the last one.",
            },
        )
        # Schedules no longer referenced by any task are removed, so re-runs leave no debris.
        IntervalSchedule.objects.filter(periodictask__isnull=True).exclude(pk=every.pk).delete()
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} periodic task {task.name!r}: connector.schedule_tick every {minutes} "
                "minutes."
            )
        )
