"""Fixtures of the bookkeeping tests: a sandbox account with only the orders a test adds, and
a connection to it that is ready to book."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bookkeeping.models import DebtorMapping
from connector.models import Connection
from tests.bookkeeping.helpers import ORIGIN
from tests.conftest import BERLIN
from tests.connector.test_import import NOVEMBER, make_connection


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def account(make_sandbox):
    """A Billbee account whose own orders are from spring: an import starting in November
    reads only the orders a test adds (as in tests/connector/test_import.py)."""
    return make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))


@pytest.fixture
def shop(account) -> Connection:
    """A connection to ``account`` importing from November, the Shopware shop's debtor
    assigned, OSS registered (the sandbox's merchant is)."""
    connection = make_connection(account, import_start_date=NOVEMBER)
    settings = connection.bookkeeping
    settings.oss_registered_since = date(2021, 7, 1)
    settings.save()
    DebtorMapping.objects.create(connection=connection, origin=ORIGIN, account=10001)
    return connection
