"""Fixtures of the payments tests: a connection and its accounts."""

from __future__ import annotations

import pytest

from connector.models import Connection
from payments.models import PaymentSource
from tests.payments.mappings import VOLKSBANK

OWN_IBAN = "DE89370400440532013000"
OTHER_IBAN = "DE02120300000000202051"


@pytest.fixture
def connection(db) -> Connection:
    return Connection.objects.create(name="shop", api_url="http://127.0.0.1:9/api/v1")


@pytest.fixture
def bank(connection) -> PaymentSource:
    return PaymentSource.objects.create(
        connection=connection,
        name="Volksbank",
        kind=PaymentSource.Kind.CSV,
        iban=OWN_IBAN,
        ledger_account=1200,
        fee_account=4970,
        csv_mapping=VOLKSBANK,
    )


@pytest.fixture
def giro(connection) -> PaymentSource:
    """A bank account whose statements come as CAMT/MT940 (tests hand parsed statements)."""
    return PaymentSource.objects.create(
        connection=connection, name="Sparkasse Giro", iban=OWN_IBAN, ledger_account=1200
    )
