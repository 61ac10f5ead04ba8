"""``/metrics``: 404 without ``METRICS_TOKEN``, 401 (and nothing else) without the right bearer
token, and with it the Prometheus exposition whose numbers are the database's, read in a
fixed number of queries however many rows there are."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from bookkeeping.models import DocumentBooking, ExportBatch, JournalEntry
from bookkeeping.services.setup import bookkeeping_settings
from connector.models import Connection, ExternalOrder, ImportRun
from payments.models import PaymentSource, StatementTransaction, Writeback
from tests.payments.test_settling import invoice, line

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-8Kd2"
PREFIX = "billbee_connector_"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client, token: str = TOKEN):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")


def samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Sample name and sorted labels → value, from a parsed scrape."""
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    parsed = {}
    for family in text_string_to_metric_families(response.content.decode()):
        assert family.name.startswith(PREFIX) and family.documentation
        for sample in family.samples:
            parsed[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return parsed


def run(connection: Connection, state: str, minutes_ago: int, **fields) -> ImportRun:
    finished = timezone.now() - timedelta(minutes=minutes_ago)
    return ImportRun.objects.create(
        connection=connection,
        trigger=fields.pop("trigger", ImportRun.Trigger.SCHEDULED),
        state=state,
        started_at=finished - timedelta(seconds=fields.pop("seconds", 90)),
        finished_at=finished,
        **fields,
    )


@pytest.fixture
def shops():
    """Two connections: "shop" with documents, bookings, lines, write-backs and an export;
    "zweit" with import runs only."""
    shop = Connection.objects.create(name="shop", api_url="http://127.0.0.1:9/api/v1")
    bookkeeping_settings(shop)
    zweit = Connection.objects.create(name="zweit", api_url="http://127.0.0.1:9/api/v1")
    bank = PaymentSource.objects.create(
        connection=shop, name="Giro", iban="DE89370400440532013000", ledger_account=1200
    )
    first = invoice(shop, "RE-1", "119.00")
    invoice(shop, "RE-2", "238.00")
    waiting = invoice(shop, "RE-3", "59.50")
    ExternalOrder.objects.filter(connection=shop).update(status="imported")
    ExternalOrder.objects.filter(pk=waiting.pk).update(status="updated")
    DocumentBooking.objects.filter(document=waiting).update(status="waiting")
    matched = line(bank, "119.00", state=StatementTransaction.State.MATCHED)
    line(bank, "10.00", state=StatementTransaction.State.NO_MATCH)
    line(bank, "20.00", state=StatementTransaction.State.NO_MATCH)
    for state in ("approval", "approval", "done"):
        Writeback.objects.create(
            connection=shop,
            transaction=matched,
            billbee_order_id=first.billbee_order_id + Writeback.objects.count(),
            state=state,
        )
    ExportBatch.objects.create(
        connection=shop,
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        file_name="EXTF_Buchungsstapel.csv",
        content=b"",
        sha256="0" * 64,
        rows=2,
        entries=2,
    )
    run(shop, "succeeded", 300, api_requests=40, throttled=2)
    run(shop, "failed", 120, api_requests=5, throttled=4, seconds=12)
    run(zweit, "succeeded", 45, api_requests=7, seconds=30)
    run(zweit, "succeeded", 5, trigger=ImportRun.Trigger.PAYMENTS, seconds=3)
    return shop, zweit


# ---------------------------------------------------------------- the token


def test_without_a_token_setting_there_is_no_endpoint(client, settings):
    settings.METRICS_TOKEN = ""
    assert scrape(client, "").status_code == 404
    assert scrape(client, TOKEN).status_code == 404


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN],
)
def test_a_missing_or_wrong_token_gets_401_and_nothing_else(client, shops, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}

    response = client.get("/metrics", **extra)

    assert response.status_code == 401
    assert response.content == b""
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_right_token_gets_the_exposition_without_login(client, shops):
    response = scrape(client)
    assert response.status_code == 200
    assert b"# HELP billbee_connector_documents " in response.content
    assert b"# TYPE billbee_connector_import_runs_total counter" in response.content


# ---------------------------------------------------------------- the numbers


def test_the_numbers_are_the_databases(client, shops):
    shop, zweit = shops
    values = samples(client)

    def value(name: str, **labels: str) -> float:
        return values[(PREFIX + name, tuple(sorted(labels.items())))]

    for connection in (shop, zweit):
        name = connection.name
        for state in ImportRun.State.values:
            expected = ImportRun.objects.filter(connection=connection, state=state).count()
            assert value("import_runs_total", connection=name, state=state) == expected
        for status in ExternalOrder.Status.values:
            expected = ExternalOrder.objects.filter(connection=connection, status=status).count()
            assert value("documents", connection=name, status=status) == expected
        for status in DocumentBooking.Status.values:
            expected = DocumentBooking.objects.filter(connection=connection, status=status)
            assert value("bookings", connection=name, status=status) == expected.count()
        for kind in JournalEntry.Kind.values:
            expected = JournalEntry.objects.filter(connection=connection, kind=kind).count()
            assert value("journal_entries_total", connection=name, kind=kind) == expected
        for state in Writeback.State.values:
            expected = Writeback.objects.filter(connection=connection, state=state).count()
            assert value("writebacks", connection=name, state=state) == expected
        for state in StatementTransaction.State.values:
            expected = StatementTransaction.objects.filter(
                source__connection=connection, state=state
            ).count()
            assert value("statement_lines", connection=name, state=state) == expected

    # The figures the fixture made, so that the comparisons above compare something.
    assert value("import_runs_total", connection="shop", state="succeeded") == 1
    assert value("import_runs_total", connection="zweit", state="succeeded") == 2
    assert value("documents", connection="shop", status="imported") == 2
    assert value("documents", connection="shop", status="updated") == 1
    assert value("bookings", connection="shop", status="waiting") == 1
    assert value("journal_entries_total", connection="shop", kind="invoice") == 3
    assert value("writebacks", connection="shop", state="approval") == 2
    assert value("statement_lines", connection="shop", state="no_match") == 2
    assert value("export_batches_total", connection="shop", kind="first") == 1
    assert value("export_batches_total", connection="zweit", kind="first") == 0
    assert value("throttled_answers_total", connection="shop") == 6
    assert value("api_requests_total", connection="shop") == 45
    assert value("throttled_answers_total", connection="zweit") == 0


def test_lag_and_duration_of_the_last_imports(client, shops):
    shop, _ = shops
    values = samples(client)

    def value(name: str, connection: str) -> float:
        return values[(PREFIX + name, (("connection", connection),))]

    last_shop = ImportRun.objects.get(connection=shop, state="succeeded").finished_at
    assert value("last_successful_import_timestamp_seconds", "shop") == pytest.approx(
        last_shop.timestamp()
    )
    assert 300 * 60 <= value("last_successful_import_age_seconds", "shop") < 301 * 60
    # The read of open prepayment orders 5 minutes ago is no import: the lag stays 45 minutes.
    assert 45 * 60 <= value("last_successful_import_age_seconds", "zweit") < 46 * 60
    # The latest finished import of the shop is the failed one of 12 seconds.
    assert value("last_import_duration_seconds", "shop") == pytest.approx(12)
    assert value("last_import_duration_seconds", "zweit") == pytest.approx(30)
    assert value("import_overdue", "shop") == 0
    batch = ExportBatch.objects.get()
    assert value("last_export_timestamp_seconds", "shop") == pytest.approx(
        batch.created_at.timestamp()
    )
    assert (PREFIX + "last_export_timestamp_seconds", (("connection", "zweit"),)) not in values


def test_an_overdue_connection_shows_1(client, shops):
    shop, _ = shops
    Connection.objects.filter(pk=shop.pk).update(created_at=timezone.now() - timedelta(days=9))
    ImportRun.objects.filter(connection=shop).update(finished_at=timezone.now() - timedelta(days=2))

    values = samples(client)

    assert values[(PREFIX + "import_overdue", (("connection", "shop"),))] == 1
    assert values[(PREFIX + "import_overdue", (("connection", "zweit"),))] == 0


def test_a_scrape_reads_a_fixed_number_of_queries(client, shops, django_assert_max_num_queries):
    shop, _ = shops
    for number in range(4, 24):
        invoice(shop, f"RE-{number}", "11.90")
        run(shop, "succeeded", number)

    with django_assert_max_num_queries(12):
        assert scrape(client).status_code == 200
