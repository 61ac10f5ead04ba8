"""Fixtures of the payments tests: sample files, a connection and its accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.models import Connection
from payments.models import PaymentSource
from tests.payments.mappings import VOLKSBANK

SAMPLES = Path(__file__).parent / "samples"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "payments"
SHARED_ALTERNATIVES = (SHARED, Path("/work/shared/fixtures/payments"))


def sample(*parts: str) -> bytes:
    return SAMPLES.joinpath(*parts).read_bytes()


def shared_folder(name: str) -> Path:
    for base in SHARED_ALTERNATIVES:
        if (base / name).is_dir():
            return base / name
    pytest.skip(f"The shared sample folder ../shared/fixtures/payments/{name} is not here.")


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
