"""The DATEV master data of the debtors (Debitoren/Kreditoren, category 16): the names the
accountant sees for the accounts the journal books to. Per-customer debtors with their name,
address and VAT ID; the debtors of the mapping by origin as collective debtors named after
their origin and payment method. Linted like the booking files before it is offered."""

from __future__ import annotations

import io
from datetime import datetime

from django.utils import timezone

from connector.models import Connection
from connector.texts import Text

from ..datev import DatevDebtor, Finding, lint_file, write_debtors
from ..errors import ExportRefused
from ..models import CustomerDebtor, DebtorMapping
from .export import datev_header
from .setup import bookkeeping_settings


def _mapped_debtors(connection: Connection) -> list[DatevDebtor]:
    """One row per account of the mapping (several origins may share one account)."""
    names: dict[int, str] = {}
    for mapping in DebtorMapping.objects.filter(connection=connection, account__isnull=False):
        assert mapping.account is not None
        names.setdefault(mapping.account, mapping.name or str(mapping))
    return [
        DatevDebtor(account=account, company=name[:50], address_type=2, short_name=name[:15])
        for account, name in sorted(names.items())
    ]


def _customer_debtors(connection: Connection) -> list[DatevDebtor]:
    rows = []
    for debtor in CustomerDebtor.objects.filter(connection=connection).order_by("account"):
        person = not debtor.company
        rows.append(
            DatevDebtor(
                account=debtor.account,
                company=debtor.company,
                last_name=debtor.last_name if person else "",
                first_name=debtor.first_name if person else "",
                address_type=1 if person else 2,
                short_name=(debtor.company or debtor.last_name)[:15],
                eu_country=debtor.country if debtor.vat_id else "",
                vat_id=debtor.vat_id,
                street=debtor.street,
                zip=debtor.zip,
                city=debtor.city,
                country=debtor.country,
                email=debtor.email,
                ref=debtor.customer_key,
            )
        )
    return rows


def datev_debtors_file(
    connection: Connection, now: datetime | None = None
) -> tuple[bytes, list[Finding]]:
    """The file and its warnings; raises ``ExportRefused`` when it has errors."""
    settings = bookkeeping_settings(connection)
    now = now or timezone.now()
    today = timezone.localtime(now, connection.zoneinfo).date()
    header = datev_header(settings, today, today, now, label="Debitoren", locked=False)
    debtors = _mapped_debtors(connection) + _customer_debtors(connection)
    out = io.BytesIO()
    write_debtors(header, debtors, out)
    data = out.getvalue()
    findings = lint_file(data, [d.ref or str(d.account) for d in debtors])
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ExportRefused(
            Text(
                "the DATEV debtor file has {count} finding(s) DATEV would reject",
                count=len(errors),
            ),
            errors,
        )
    return data, findings
