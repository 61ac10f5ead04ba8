"""What every management command of the project shares: bad input is one line and exit code 2.

``OperatorCommand`` replaces Django's parser with one that reports a bad option as a single
line on stderr (``manage.py export_datev: error: argument --from: …``) and exits with 2, the
exit code of a usage error, instead of the usage text; ``input_error`` is the same for checks
that need more than one option (``--since`` after ``--until``). The ``*_argument`` functions
are argparse types: each says in one sentence what was wrong and what to write instead.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from .countries import country_problem

USAGE_ERROR = 2


def input_error(message: str) -> CommandError:
    """A CommandError for bad command-line input: one line on stderr, exit code 2."""
    return CommandError(message, returncode=USAGE_ERROR)


class OneLineParser(CommandParser):
    def error(self, message: str) -> NoReturn:
        if self.called_from_command_line:
            sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
            sys.exit(USAGE_ERROR)
        raise input_error(f"Error: {message}")


def _one_line(parser: argparse.ArgumentParser) -> None:
    parser.__class__ = OneLineParser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.called_from_command_line = getattr(parser, "called_from_command_line", None)
                _one_line(sub)


class OperatorCommand(BaseCommand):
    """A command whose input errors are one line and exit code 2, and which speaks English
    whatever the console's language: scripts and monitoring read its output (e-mails it sends
    still take their reader's language)."""

    def execute(self, *args: Any, **options: Any) -> Any:
        with translation.override(None):
            return super().execute(*args, **options)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        _one_line(parser)
        return parser


# --- argparse types ---------------------------------------------------------------------------


# Dates outside these years are typing mistakes (0001, 9999): refused before a command plans
# day windows or months across millennia.
FIRST_YEAR, LAST_YEAR = 1990, 2100


def _plausible(value: str, day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{value!r} lies outside the years {FIRST_YEAR} to {LAST_YEAR}: is it mistyped?"
        )


def date_argument(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-30"
        ) from None
    _plausible(value, day)
    return day


def moment_argument(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date or date/time: write it as YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM, e.g. 2026-11-30T08:00"
        ) from None
    _plausible(value, moment.date())
    return moment


def month_argument(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match or not 1 <= int(match[2]) <= 12:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a month: write it as YYYY-MM, e.g. 2026-11"
        )
    _plausible(value, date(int(match[1]), int(match[2]), 1))
    return int(match[1]), int(match[2])


def int_between(low: int, high: int | None = None, what: str = "a number") -> Any:
    """An argparse type: a whole number from ``low`` (up to ``high``)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            span = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"{value!r} is not {what} {span}")
        return number

    return parse


def non_negative_number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of at least 0")
    return number


def country_argument(value: str) -> str:
    problem = country_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def zone_argument(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a known time zone: write it as Area/City, e.g. Europe/Berlin"
        ) from None
    return value


def name_argument(value: str) -> str:
    """A connection name as the console shows it: not empty, no leading or trailing blanks,
    at most 100 characters, no control characters."""
    if not value.strip():
        raise argparse.ArgumentTypeError("a connection name must not be empty")
    if value != value.strip() or len(value) > 100 or any(ord(c) < 32 for c in value):
        raise argparse.ArgumentTypeError(
            f"{value[:70]!r} is not a usable connection name: at most 100 characters, without "
            "leading or trailing blanks or control characters"
        )
    return value
