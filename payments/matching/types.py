"""The plain data of the matching engine: open items in, one ``LineMatch`` per statement line
out. No database: the payments models build ``OpenItem``s and store the results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from connector.texts import Text

# Common words and abbreviations that stand before a number in a remittance text; stripped
# when a reference is normalised, so that "Rechnung RE-2026-10440", "RE2026-10440" and
# "re 2026 10440" all name the same invoice. Compared in upper case without punctuation.
DEFAULT_REFERENCE_PREFIXES: tuple[str, ...] = (
    "RE",
    "RG",
    "RN",
    "RECHNUNG",
    "RECHNUNGSNR",
    "RECHNUNGSNUMMER",
    "INV",
    "INVOICE",
    "BEST",
    "BESTELLUNG",
    "BESTELLNR",
    "BESTELLNUMMER",
    "ORDER",
    "ORDERNR",
    "AUFTRAG",
    "AUFTRAGSNR",
    "AUFTRAGSNUMMER",
    "NR",
    "NO",
)


class MatchState:
    """The state a statement line ends in after matching."""

    MATCHED = "matched"
    ALREADY_PAID = "already_paid"
    PARTIALLY_PAID = "partially_paid"
    NO_MATCH = "no_match"
    AMOUNT_DIFFERS = "amount_differs"
    AMBIGUOUS = "ambiguous"
    IGNORED = "ignored"
    ERROR = "error"

    ALL = (
        MATCHED,
        ALREADY_PAID,
        PARTIALLY_PAID,
        NO_MATCH,
        AMOUNT_DIFFERS,
        AMBIGUOUS,
        IGNORED,
        ERROR,
    )


class CandidateKind:
    """Why a candidate was proposed."""

    EXACT_REFERENCE = "exact_reference"
    REFERENCE_AMOUNT_DIFFERS = "reference_amount_differs"
    REFERENCE_CURRENCY_DIFFERS = "reference_currency_differs"
    REFERENCE_TYPO = "reference_typo"
    SEVERAL_INVOICES = "several_invoices"
    PARTIAL = "partial"
    SKONTO = "skonto"
    OVERPAYMENT = "overpayment"
    ALREADY_PAID = "already_paid"
    AMOUNT_DATE = "amount_date"
    PAYER_NAME = "payer_name"
    PAYER_IBAN = "payer_iban"
    REFUND = "refund"
    CHARGEBACK = "chargeback"


# Slots: a connection has hundreds of thousands of open items in memory at once, and an
# instance without its own attribute dictionary takes a third of the space.
@dataclass(frozen=True, slots=True)
class OpenItem:
    id: int
    order_number: str
    invoice_number: str
    payment_reference: str
    amount: Decimal  # still open, gross, > 0
    total: Decimal  # the invoice's gross total
    currency: str
    invoice_date: date
    customer_name: str = ""
    customer_id: str = ""
    customer_ibans: tuple[str, ...] = ()  # IBANs remembered for this customer
    group: str = ""  # prepayment / invoice / cod
    settled: bool = False  # already paid: lets a line be recognised as "already paid"

    @property
    def label(self) -> str:
        """How a person names this item: the invoice number, else the order number."""
        if self.invoice_number:
            return f"invoice {self.invoice_number}"
        if self.order_number:
            return f"order {self.order_number}"
        return f"open item {self.id}"

    @property
    def label_text(self) -> Text:
        """``label`` as a sentence part the console says in the reader's language."""
        if self.invoice_number:
            return Text("invoice {number}", number=self.invoice_number)
        if self.order_number:
            return Text("order {number}", number=self.order_number)
        return Text("open item {id}", id=self.id)


@dataclass(frozen=True)
class IgnoreRule:
    field: str  # "iban", "name" or "text"
    pattern: str  # iban: the IBAN; name/text: a case-insensitive substring
    reason: str  # a sentence shown on every line the rule ignores

    FIELDS = ("iban", "name", "text")

    def __post_init__(self) -> None:
        if self.field not in self.FIELDS:
            raise ValueError(f"An ignore rule applies to iban, name or text, not {self.field!r}.")
        if not self.pattern.strip():
            raise ValueError("An ignore rule needs a pattern.")


@dataclass(frozen=True)
class MatchConfig:
    tolerance: Decimal = Decimal("0")  # bank fees deducted from a transfer
    date_window_days: int = 60  # how far a payment may lie after the invoice date
    skonto_rate: Decimal = Decimal("0")  # e.g. Decimal("0.02") for 2 %
    skonto_days: int = 0  # the Skonto term, days after the invoice date
    ignore_rules: tuple[IgnoreRule, ...] = ()
    reference_prefixes: tuple[str, ...] = DEFAULT_REFERENCE_PREFIXES
    max_candidates: int = 5
    max_items_per_transfer: int = 5
    # How many days a payment may come before the invoice date (prepayment orders are
    # invoiced when paid or shipped, a little after the money arrives).
    days_before_invoice: int = 7


@dataclass(frozen=True, slots=True)
class Candidate:
    item_ids: tuple[int, ...]
    kind: str
    score: float  # 0-1
    amount_difference: Decimal  # line amount minus the items' open amount
    reasons: tuple[str, ...]
    skonto: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class LineMatch:
    state: str
    reason: str
    candidates: tuple[Candidate, ...] = field(default=())
    auto: bool = False  # True only for the exact 1:1 rule
