"""One CAMT transaction detail (``NtryDtls/TxDtls``): amount, parties, references, remittance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.texts import Text

from .xmlutil import Node, child, children, descendants, text

# Values banks write where they have nothing to say; they must not look like a name or an id.
PLACEHOLDERS = {"NOTPROVIDED", "NOT PROVIDED", "KEINE INFORMATION VORHANDEN", "NONREF"}


@dataclass
class Party:
    name: str = ""
    iban: str = ""
    bic: str = ""
    other_account: str = ""  # a BBAN or another non-IBAN account id
    ultimate_name: str = ""
    creditor_id: str = ""  # SEPA creditor identifier (Gläubiger-ID)

    def __bool__(self) -> bool:
        return bool(self.name or self.iban or self.other_account or self.ultimate_name)


@dataclass
class TxDetails:
    amount: Decimal | None  # unsigned; None when the detail gives none
    currency: str
    credit: bool | None  # the detail's own CdtDbtInd (001.03+), None when absent
    end_to_end_id: str = ""
    tx_id: str = ""
    reference: str = ""  # Refs/AcctSvcrRef
    mandate_id: str = ""
    instruction_id: str = ""
    transaction_code: str = ""
    proprietary_code: str = ""  # BkTxCd/Prtry/Cd, e.g. the German "NTRF+166+9310"
    debtor: Party = field(default_factory=Party)
    creditor: Party = field(default_factory=Party)
    remittance: str = ""
    creditor_reference: str = ""  # RmtInf/Strd/CdtrRefInf/Ref (RF or bank reference)
    return_reason: str = ""
    additional_info: str = ""
    charges: Decimal | None = None


class EntryError(Exception):
    """An entry that cannot be read; the message is the sentence stored for the operator."""


@dataclass
class Entry:
    """What one ``Ntry`` says for all of its transactions."""

    amount: Decimal  # unsigned
    currency: str
    credit: bool
    reversal: bool
    status: str
    booking_date: date
    value_date: date | None
    reference: str  # AcctSvcrRef
    transaction_code: str
    additional_info: str
    details: list[TxDetails]
    charges: Decimal | None
    raw: dict[str, Any] = field(default_factory=dict)


def parse_amount(value: str, what: str = "amount") -> Decimal:
    """An unsigned ISO 20022 amount ("1234.56", up to 5 decimals kept as given)."""
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise EntryError(_not_a_number(value.strip(), what))
    return amount


def _not_a_number(value: str, what: str) -> Text:
    if what == "charges":
        return Text(
            'The amount of the charges "{value}" is not a valid number (expected like 1234.56); '
            "the booking was not taken over.",
            value=value,
        )
    if what == "detail":
        return Text(
            'The amount of a single transaction "{value}" is not a valid number (expected like '
            "1234.56); the booking was not taken over.",
            value=value,
        )
    return Text(
        'The amount "{value}" is not a valid number (expected like 1234.56); the booking was '
        "not taken over.",
        value=value,
    )


def bank_transaction_code(element: Node | None) -> str:
    """``PMNT/RCDT/ESCT`` (ISO domain/family/sub-family), else the proprietary code."""
    domain = text(element, "Domn", "Cd")
    if domain:
        family = text(element, "Domn", "Fmly", "Cd")
        sub_family = text(element, "Domn", "Fmly", "SubFmlyCd")
        return "/".join(part for part in (domain, family, sub_family) if part)
    return text(element, "Prtry", "Cd")


def charges_included(element: Node) -> Decimal | None:
    """The charges the bank took out of this amount, signed like a fee (negative), or None.

    001.02 lists ``Chrgs`` each with its ``Amt``; from 001.03 there is one ``Chrgs`` with
    ``Rcrd`` entries. Records with ``ChrgInclInd`` false were booked separately by the bank and
    are not part of this amount, so they are left out.
    """
    total: Decimal | None = None
    for charges in children(element, "Chrgs"):
        records = list(children(charges, "Rcrd")) or [charges]
        for record in records:
            amount_text = text(record, "Amt") or text(record, "TtlChrgsAndTaxAmt")
            if not amount_text or text(record, "ChrgInclInd").lower() == "false":
                continue
            amount = parse_amount(amount_text, "charges")
            signed = amount if text(record, "CdtDbtInd") == "CRDT" else -amount
            total = signed if total is None else total + signed
    return total


def read_tx_details(element: Node, entry_currency: str) -> TxDetails:
    amount_element = child(element, "AmtDtls", "TxAmt", "Amt")
    if amount_element is None:
        amount_element = child(element, "Amt")
    amount, currency = None, entry_currency
    if amount_element is not None and (amount_element.text or "").strip():
        amount = parse_amount(amount_element.text or "", "detail")
        currency = (amount_element.get("Ccy") or entry_currency).upper()
    indicator = text(element, "CdtDbtInd")
    parties = child(element, "RltdPties")
    agents = child(element, "RltdAgts")
    unstructured, structured = _remittance(child(element, "RmtInf"))
    return TxDetails(
        amount=amount,
        currency=currency,
        credit=None if indicator not in ("CRDT", "DBIT") else indicator == "CRDT",
        end_to_end_id=_meaningful(text(element, "Refs", "EndToEndId")),
        tx_id=_meaningful(text(element, "Refs", "TxId")),
        reference=_meaningful(text(element, "Refs", "AcctSvcrRef")),
        mandate_id=_meaningful(text(element, "Refs", "MndtId")),
        instruction_id=_meaningful(text(element, "Refs", "InstrId")),
        transaction_code=bank_transaction_code(child(element, "BkTxCd")),
        proprietary_code=text(element, "BkTxCd", "Prtry", "Cd"),
        debtor=_party(parties, agents, "Dbtr"),
        creditor=_party(parties, agents, "Cdtr"),
        remittance=_join(unstructured, structured),
        creditor_reference=structured,
        return_reason=_return_reason(child(element, "RtrInf")),
        additional_info=text(element, "AddtlTxInf"),
        charges=charges_included(element),
    )


def _party(parties: Node | None, agents: Node | None, role: str) -> Party:
    # 001.08 wraps the party: RltdPties/Dbtr/Pty/Nm; earlier versions: RltdPties/Dbtr/Nm.
    party = child(parties, role)
    if child(party, "Pty") is not None:
        party = child(party, "Pty")
    ultimate = child(parties, f"Ultmt{role}")
    if child(ultimate, "Pty") is not None:
        ultimate = child(ultimate, "Pty")
    account = child(parties, f"{role}Acct", "Id")
    agent = child(agents, f"{role}Agt", "FinInstnId")
    return Party(
        name=_meaningful(text(party, "Nm")),
        iban=text(account, "IBAN").replace(" ", "").upper(),
        bic=(text(agent, "BIC") or text(agent, "BICFI")).upper(),
        other_account=text(account, "Othr", "Id").replace(" ", ""),
        ultimate_name=_meaningful(text(ultimate, "Nm")),
        creditor_id=_creditor_id(party) if role == "Cdtr" else "",
    )


def _creditor_id(party: Node | None) -> str:
    for other in descendants(child(party, "Id"), "Othr"):
        if text(other, "SchmeNm", "Prtry").upper() == "SEPA":
            return text(other, "Id")
    return ""


def _remittance(remittance: Node | None) -> tuple[str, str]:
    unstructured = " ".join(
        " ".join((part.text or "").split()) for part in children(remittance, "Ustrd")
    ).strip()
    references = [
        text(reference_info, "Ref")
        for structured in children(remittance, "Strd")
        for reference_info in children(structured, "CdtrRefInf")
        if text(reference_info, "Ref")
    ]
    return unstructured, " ".join(references)


def _join(unstructured: str, structured: str) -> str:
    # The structured reference is what the payer typed as "Verwendungszweck" on a form with
    # an RF field; the matching looks for it in the remittance text, so it is added there
    # unless the text already carries it.
    if structured and structured not in unstructured:
        return f"{unstructured} {structured}".strip()
    return unstructured


def _return_reason(return_info: Node | None) -> str:
    if return_info is None:
        return ""
    code = text(return_info, "Rsn", "Cd") or text(return_info, "Rsn", "Prtry")
    return code or text(return_info, "AddtlInf")


def _meaningful(value: str) -> str:
    return "" if value.upper() in PLACEHOLDERS else value
