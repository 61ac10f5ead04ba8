"""The whole reconciliation run on PostgreSQL, for ``bench/reconcile.py --store``.

Set up, not timed: a new connection with a bank account and the PayPal ignore rule; the
generated open items stored as the app stores them (a Billbee document, its booked invoice
entry with two balanced lines and its booking; a payment entry for what was paid before);
the generated lines written as one CAMT.053 file.

Timed, in a process of its own (so that its peak RSS is that of the run, not of the generator
or the set-up): parsing and storing the file (``statement_import``), then matching and storing
the results (``transactions_match``: reading the lines and ``open_items`` from the database,
``match_lines``, one ``bulk_update``).

The customers' names and ids are stored on the documents and their remembered IBANs as payer
accounts, as confirmed lines leave them. What the app does not store cannot come back from
the database, so the figures against the truth can differ from the matching-only run: a PSP
payout written to a bank statement is an ordinary debit, not a payout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree
from rss import peak_rss_mb

from payments.matching import Candidate, LineMatch, MatchConfig, OpenItem
from payments.parsers.base import LineKind, StatementLine

ACCOUNT_IBAN = "DE02120300000000202051"
CAMT = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
BERLIN = ZoneInfo("Europe/Berlin")
# Billbee payment methods of the three payment groups (payments/selectors.py).
PAYMENT_METHODS = {"prepayment": 59, "invoice": 26, "cod": 2}
SHIPPED = 4  # Billbee order state: no prepayment order awaiting payment
BATCH = 5_000
# Rows per INSERT where COPY is not used (parameters per statement are limited).
INSERT_ROWS = 500
DEBTOR, REVENUE, BANK = 10000, 8400, 1200


def refusal(database_url: str) -> str:
    """Why the run cannot go to this database ("" when it can)."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return (
            "The whole run (--store) is measured on PostgreSQL, the database its target of 30 s "
            "is set for: point DATABASE_URL to a PostgreSQL database of its own (each run adds "
            "a connection with all its documents and journal entries)."
        )
    return ""


def django_setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings.development")
    # Not the development default: with DEBUG every query is also rendered and logged.
    os.environ["DEBUG"] = "false"
    django.setup()


# --- the set-up ---------------------------------------------------------------------------


def create_connection(name: str, config: MatchConfig) -> tuple[int, int]:
    """A connection with a bank account and the ignore rules of ``config``: their ids."""
    from connector.models import Connection
    from payments.models import IgnoreRule, PaymentSource

    connection = Connection.objects.create(name=name, api_url="http://127.0.0.1:9/api/v1")
    source = PaymentSource.objects.create(
        connection=connection,
        name="Giro",
        iban=ACCOUNT_IBAN,
        ledger_account=BANK,
        fee_account=4970,
        default_format="camt053",
    )
    for rule in config.ignore_rules:
        IgnoreRule.objects.create(
            connection=connection, field=rule.field, pattern=rule.pattern, reason=rule.reason
        )
    return connection.pk, source.pk


def store_items(connection_id: int, items: list[OpenItem]) -> dict[int, int]:
    """Store the items as imported, booked documents; the document id of each item id."""
    from django.db import transaction

    from connector.models import ExternalOrder

    now = datetime.now(BERLIN)
    documents: dict[int, int] = {}
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        # One transaction per batch: journal lines can only be added in the transaction that
        # posts their entry, and every entry must balance at its commit.
        with transaction.atomic():
            orders = insert(ExternalOrder, [_document(connection_id, item, now) for item in batch])
            documents.update((item.id, order.pk) for item, order in zip(batch, orders, strict=True))
            _post(connection_id, batch, documents, now)
    _payer_accounts(connection_id, items, now)
    return documents


def _payer_accounts(connection_id: int, items: list[OpenItem], now: datetime) -> None:
    """The accounts customers paid from before, as confirmed lines leave them (payer memory)."""
    from connector.customers import customer_key
    from payments.models import PayerAccount

    known: dict[tuple[str, str], PayerAccount] = {}
    for item in items:
        key = customer_key({"id": item.customer_id}) if item.customer_id else ""
        for iban in item.customer_ibans if key else ():
            known.setdefault(
                (key, iban),
                PayerAccount(
                    connection_id=connection_id,
                    customer_key=key,
                    iban=iban,
                    customer_name=item.customer_name,
                    created_at=now,
                    updated_at=now,
                ),
            )
    insert(PayerAccount, list(known.values()))


def insert(model: Any, rows: list[Any]) -> list[Any]:
    """Insert the model instances, their ids set: on PostgreSQL with COPY (Django's
    ``bulk_create`` spends most of its time building and parsing the statements, minutes for
    a million rows), elsewhere with ``bulk_create``."""
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is asked once per value
    if connection.vendor != "postgresql":
        return list(model.objects.bulk_create(rows, batch_size=INSERT_ROWS))
    meta = model._meta
    if meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
                row.pk = pk
    fields = meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                [
                    field.get_db_prep_save(getattr(row, field.attname), connection)
                    for field in fields
                ]
            )
    return rows


def _document(connection_id: int, item: OpenItem, now: datetime) -> Any:
    from connector.models import ExternalOrder

    invoiced = datetime.combine(item.invoice_date, clock(10), BERLIN)
    return ExternalOrder(
        connection_id=connection_id,
        billbee_order_id=item.id,
        order_number=item.order_number,
        invoice_number=item.invoice_number,
        invoice_date=invoiced,
        order_date=invoiced,
        document_date=item.invoice_date,
        payment_method=PAYMENT_METHODS[item.group],
        currency=item.currency,
        total_gross=item.total,
        billbee_state=SHIPPED,
        payment_reference=item.payment_reference,
        customer_name=item.customer_name,
        customer={"id": item.customer_id} if item.customer_id else {},
        status=ExternalOrder.Status.IMPORTED,
        reason_code="bench",
        reason="generated by bench/reconcile.py",
        raw_hash="",
        content_hash="",
        first_seen_at=now,
        last_seen_at=now,
        decided_at=now,
    )


def _post(
    connection_id: int, items: list[OpenItem], documents: dict[int, int], now: datetime
) -> None:
    """The invoice entry of each item, its booking, and a payment entry for what was paid."""
    from bookkeeping.models import DocumentBooking, JournalEntry, JournalLine

    entries, lines = [], []
    for item in items:
        paid = item.total if item.settled else item.total - item.amount
        postings = [(JournalEntry.Kind.INVOICE, item.total, DEBTOR, REVENUE)]
        if paid > 0:
            postings.append((JournalEntry.Kind.PAYMENT, paid, BANK, DEBTOR))
        for kind, amount, debit, credit in postings:
            entries.append(
                JournalEntry(
                    connection_id=connection_id,
                    document_id=documents[item.id],
                    kind=kind,
                    number=item.invoice_number,
                    document_date=item.invoice_date,
                    text=f"{kind} {item.invoice_number}"[:60],
                    order_number=item.order_number,
                    billbee_order_id=item.id,
                    case="domestic",
                    currency=item.currency,
                    document_total=amount,
                    debtor=DEBTOR,
                    source_hash="bench",
                    plan_hash="bench",
                    posted_at=now,
                )
            )
            lines.append((amount, debit, credit))
    insert(JournalEntry, entries)
    insert(
        JournalLine,
        [
            JournalLine(
                entry=entry, position=position, role=role, account=account, side=side, amount=a
            )
            for entry, (a, debit, credit) in zip(entries, lines, strict=True)
            for position, role, account, side in (
                (1, "debtor" if debit == DEBTOR else "bank", debit, "S"),
                (2, "revenue" if credit == REVENUE else "debtor", credit, "H"),
            )
        ],
    )
    insert(
        DocumentBooking,
        [
            DocumentBooking(
                document_id=entry.document_id,
                connection_id=connection_id,
                status=DocumentBooking.Status.BOOKED,
                entry=entry,
                case="domestic",
                debtor=DEBTOR,
                decided_at=now,
            )
            for entry in entries
            if entry.kind == JournalEntry.Kind.INVOICE
        ],
    )


# --- the statement file -------------------------------------------------------------------


def camt053(lines: list[StatementLine]) -> bytes:
    """The lines as one CAMT.053 statement, one entry each, in their order."""
    e = _Builder()
    statement = e.sub(e.sub(e.root, "BkToCstmrStmt"), "Stmt")
    e.text(statement, "Id", "BENCH-1")
    e.text(e.sub(e.sub(statement, "Acct"), "Id"), "IBAN", ACCOUNT_IBAN)
    for number, line in enumerate(lines, start=1):
        _entry(e, e.sub(statement, "Ntry"), line, number)
    return etree.tostring(e.root, xml_declaration=True, encoding="UTF-8")


class _Builder:
    def __init__(self) -> None:
        self.root = etree.Element(f"{{{CAMT}}}Document", nsmap={None: CAMT})

    def sub(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{CAMT}}}{name}")

    def text(self, parent: etree._Element, name: str, value: str) -> etree._Element:
        element = self.sub(parent, name)
        element.text = value
        return element


def _entry(e: _Builder, entry: etree._Element, line: StatementLine, number: int) -> None:
    e.text(entry, "Amt", f"{abs(line.amount):.2f}").set("Ccy", line.currency)
    e.text(entry, "CdtDbtInd", "CRDT" if line.amount > 0 else "DBIT")
    e.text(entry, "Sts", "BOOK")
    e.text(e.sub(entry, "BookgDt"), "Dt", line.booking_date.isoformat())
    e.text(entry, "AcctSvcrRef", f"BENCH-{number:07d}")
    if line.kind == LineKind.FEE:  # the bank's own charges: sub-family CHRG
        domain = e.sub(e.sub(entry, "BkTxCd"), "Domn")
        e.text(domain, "Cd", "ACMT")
        family = e.sub(domain, "Fmly")
        e.text(family, "Cd", "MDOP")
        e.text(family, "SubFmlyCd", "CHRG")
    details = e.sub(e.sub(entry, "NtryDtls"), "TxDtls")
    # Money in comes from the debtor; a chargeback is a return of the customer's payment,
    # which names the customer as the debtor too.
    payer = line.amount > 0 or line.kind == LineKind.CHARGEBACK
    if line.counterparty_name or line.counterparty_iban:
        parties = e.sub(details, "RltdPties")
        role = "Dbtr" if payer else "Cdtr"
        if line.counterparty_name:
            e.text(e.sub(parties, role), "Nm", line.counterparty_name)
        if line.counterparty_iban:
            e.text(e.sub(e.sub(parties, f"{role}Acct"), "Id"), "IBAN", line.counterparty_iban)
    if line.remittance:
        e.text(e.sub(details, "RmtInf"), "Ustrd", line.remittance)
    if line.kind == LineKind.CHARGEBACK:
        e.text(e.sub(e.sub(details, "RtrInf"), "Rsn"), "Cd", "MD06")


# --- the timed run ------------------------------------------------------------------------


@contextmanager
def timed(times: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        times[name] = times.get(name, 0.0) + time.perf_counter() - started


def _timing(module: Any, name: str, times: dict[str, float]) -> Callable[[], None]:
    """Time each call of ``module.name`` into ``times``; returns the undo."""
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with timed(times, name):
            return original(*args, **kwargs)

    setattr(module, name, wrapper)
    return lambda: setattr(module, name, original)


def run_timed(connection_id: int, source_id: int, path: Path, config: MatchConfig) -> dict:
    """Import the file and match its lines, timing each phase (seconds, wall clock)."""
    from connector.models import Connection
    from payments.models import PaymentSource
    from payments.services import matching
    from payments.services.statements import statement_import

    source = PaymentSource.objects.get(pk=source_id)
    connection = Connection.objects.get(pk=connection_id)
    times: dict[str, float] = {}
    undo = [
        _timing(matching, name, times)
        for name in ("transfers_process", "open_items", "match_lines", "results_store")
    ]
    cpu = time.process_time()
    try:
        with timed(times, "import"):
            imported = statement_import(source, path.read_bytes(), filename=path.name)
        # The result holds every parsed line (for the preview): as in the app, it is done with
        # before the matching starts.
        counts = {
            "peak_rss_after_import_mb": peak_rss_mb(),
            "statement_id": imported.statement_id,
            "new_lines": imported.new,
            "errors": len(imported.errors),
        }
        del imported
        with timed(times, "match"):
            summary = matching.transactions_match(connection, config=config)
    finally:
        for restore in undo:
            restore()
    return {
        "import_s": round(times["import"], 2),
        "match_s": round(times["match"], 2),
        "open_items_s": round(times["open_items"], 2),
        "match_lines_s": round(times["match_lines"], 2),
        "transfers_s": round(times["transfers_process"], 2),
        "results_store_s": round(times["results_store"], 2),
        "total_s": round(times["import"] + times["match"], 2),
        "total_cpu_s": round(time.process_time() - cpu, 2),
        **counts,
        "matched_lines": summary.lines,
    }


def run_child(connection_id: int, source_id: int, path: Path) -> dict:
    """``run_timed`` in a new process: its peak RSS is that of the run alone."""
    payload = json.dumps({"connection": connection_id, "source": source_id, "file": str(path)})
    script = Path(__file__).with_name("reconcile.py")
    done = subprocess.run(
        [sys.executable, str(script), "--store-child", payload],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"The timed run failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def stored_results(statement_id: int, documents: dict[int, int]) -> list[LineMatch]:
    """The stored state of each line of the statement, in file order, as ``LineMatch``es with
    the generator's item ids (for comparing with the truth)."""
    from payments.models import StatementTransaction

    item_of = {document: item for item, document in documents.items()}
    results = []
    rows = StatementTransaction.objects.filter(statement_id=statement_id).order_by("position")
    for state, reason, auto, candidates in rows.values_list(
        "state", "reason", "auto", "candidates"
    ):
        results.append(
            LineMatch(
                state,
                reason,
                tuple(
                    Candidate(
                        item_ids=tuple(sorted(item_of[d] for d in c["documents"])),
                        kind=c["kind"],
                        score=c["score"],
                        amount_difference=Decimal(c["amount_difference"]),
                        reasons=tuple(c["reasons"]),
                    )
                    for c in candidates
                ),
                auto,
            )
        )
    return results
