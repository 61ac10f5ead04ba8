"""``connection_create NAME --api-url URL [--username U --api-password P --api-key K]
[--sender-country DE] [--chart skr03|skr04]``: create a connection, or update it when it exists.

Credentials default to BILLBEE_USERNAME, BILLBEE_API_PASSWORD and BILLBEE_API_KEY. Prefer the
environment for the password and key: command-line options show up in the process list and in
shell history.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from connector.cli import (
    OperatorCommand,
    country_argument,
    input_error,
    name_argument,
    zone_argument,
)
from connector.errors import ConnectorError
from connector.models import BillbeeClock
from connector.services.connections import connection_upsert


class Command(OperatorCommand):
    help = "Create a Billbee connection, or update it (re-running updates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", type=name_argument)
        parser.add_argument(
            "--api-url", help="Billbee API base URL, e.g. https://api.billbee.io/api/v1"
        )
        parser.add_argument(
            "--username", default=None, help="Billbee login (default: $BILLBEE_USERNAME)"
        )
        parser.add_argument(
            "--api-password", default=None, help="API password (default: $BILLBEE_API_PASSWORD)"
        )
        parser.add_argument("--api-key", default=None, help="API key (default: $BILLBEE_API_KEY)")
        parser.add_argument(
            "--sender-country",
            type=country_argument,
            default=None,
            help="ship-from country when an order has none (default DE)",
        )
        parser.add_argument("--chart", choices=["skr03", "skr04"], default=None)
        parser.add_argument("--label", default=None, help="interface label (default [Billbee])")
        parser.add_argument(
            "--time-zone",
            type=zone_argument,
            default=None,
            help="the business's zone: calendar days, schedule (default Europe/Berlin)",
        )
        parser.add_argument(
            "--billbee-clock",
            choices=[c.value for c in BillbeeClock],
            default=None,
            help="zone of Billbee's timestamps sent without offset (default Europe/Berlin; "
            "see docs/configuration.md for how to check it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        try:
            connection, created, changed = connection_upsert(
                name=name,
                api_url=options["api_url"],
                username=options["username"] or os.environ.get("BILLBEE_USERNAME") or None,
                api_password=options["api_password"]
                or os.environ.get("BILLBEE_API_PASSWORD")
                or None,
                api_key=options["api_key"] or os.environ.get("BILLBEE_API_KEY") or None,
                sender_country=options["sender_country"],
                chart=options["chart"],
                label=options["label"],
                time_zone=options["time_zone"],
                billbee_clock=options["billbee_clock"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()
            )
            raise input_error(f"Connection {name!r} not saved: {problems}") from None
        except ConnectorError as exc:
            raise CommandError(str(exc)) from None
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created connection {connection.name} → {connection.api_url} "
                    f"(user {connection.username}, chart {connection.chart.upper()}, "
                    f"sender country {connection.sender_country})."
                )
            )
        elif changed:
            self.stdout.write(
                self.style.SUCCESS(f"Updated connection {connection.name}: {', '.join(changed)}.")
            )
        else:
            self.stdout.write(f"Connection {connection.name} is already up to date.")
