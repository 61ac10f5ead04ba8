"""Writer for DATEV Debitoren/Kreditoren master data (category 16, Formatversion 5, 254 columns).

Only the fields the connector knows are filled (bookkeeping.md §1.5: account, names, address
type, short name, EU country and VAT ID, address, e-mail); all other columns are written empty
so that every row has the full 254 positions DATEV reads by.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .columns import (
    D_ACCOUNT,
    D_ADDRESS_TYPE,
    D_CITY,
    D_COMPANY,
    D_COUNTRY,
    D_EMAIL,
    D_EU_COUNTRY,
    D_FIRST_NAME,
    D_LAST_NAME,
    D_SHORT_NAME,
    D_STREET,
    D_VAT_ID,
    D_ZIP,
    DEBTOR_COLUMNS,
    DEBTORS_CATEGORY,
    EU_COUNTRY_CODES,
)
from .records import DatevDebtor, DatevHeader
from .writer import empty_row, header_line, heading_line, text_field, write_lines


def split_vat_id(eu_country: str, vat_id: str) -> tuple[str, str]:
    """DATEV wants the EU-Land and the VAT ID without its prefix: "ATU12345678" → AT, U12345678."""
    compact = "".join(vat_id.split()).upper()
    if len(compact) > 2 and compact[:2] in EU_COUNTRY_CODES:
        return compact[:2], compact[2:]
    return eu_country, compact


def _debtor_line(template: list[str], debtor: DatevDebtor) -> str:
    f = template.copy()  # index = DATEV column number - 1
    f[D_ACCOUNT - 1] = str(debtor.account)
    # Names, street and city are free text that DATEV would cut anyway, so they are cut to the
    # §1.5 limits; account, VAT ID and postcode are keys, written as given for the linter.
    free_texts = {
        D_COMPANY: debtor.company, D_LAST_NAME: debtor.last_name,
        D_FIRST_NAME: debtor.first_name, D_SHORT_NAME: debtor.short_name,
        D_STREET: debtor.street, D_CITY: debtor.city,
    }  # fmt: skip
    for column, value in free_texts.items():
        f[column - 1] = text_field(value, DEBTOR_COLUMNS[column - 1].max_length)
    if debtor.address_type is not None:
        f[D_ADDRESS_TYPE - 1] = text_field(str(debtor.address_type))
    eu_country, vat_id = split_vat_id(debtor.eu_country, debtor.vat_id)
    f[D_EU_COUNTRY - 1] = text_field(eu_country)
    f[D_VAT_ID - 1] = text_field(vat_id)
    f[D_ZIP - 1] = text_field(debtor.zip)
    f[D_COUNTRY - 1] = text_field(debtor.country)
    f[D_EMAIL - 1] = text_field(debtor.email)
    return ";".join(f)


def write_debtors(header: DatevHeader, debtors: Iterable[DatevDebtor], out: BinaryIO) -> int:
    """Write an EXTF Debitoren/Kreditoren file to ``out``; return the number of rows."""
    template = empty_row(DEBTOR_COLUMNS)
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        yield header_line(header, DEBTORS_CATEGORY)
        yield heading_line(DEBTOR_COLUMNS)
        for debtor in debtors:
            yield _debtor_line(template, debtor)
            count += 1

    write_lines(out, lines())
    return count
