"""Bank and PayPal statements that pay the sandbox's orders, for demos and tests of payment
matching: a CAMT.053 (version 08) account statement of the merchant's bank account, and a
PayPal activity download (German headers).

Both pay orders that are open items of a connection with the connector's defaults: orders of
channels its default rules do not exclude (Amazon, eBay, Shopify … are booked through the
ledger's own integrations), and of these
- the bank statement: the unpaid orders of the bank-transfer and prepayment methods waiting in
  an open state, and the unpaid invoices of the invoice method, the way customers pay: from one
  account per customer under the name on the invoice address, mostly with the invoice or order
  number in the remittance text, some with a prefix and a line break, some with a typo, some
  with the payer's name only, a few partially, one transfer for two invoices; plus the bank's
  account fee;
- the PayPal download: the invoiced PayPal orders paid at checkout, each with PayPal's
  transaction id, the order number as PayPal's invoice number and PayPal's fee, and a transfer
  of the balance to the bank.
Same seed, same files.
"""

from __future__ import annotations

import csv
import io
import random
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .. import jsonutil
from .store import SandboxState

CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
MERCHANT_IBAN = "DE02120300000000202051"
MERCHANT_NAME = "Holzwerk Sandbox GmbH"
BANK_PAYMENTS = {1, 26, 59}  # bank transfer, invoice, prepayment
PAYPAL = 3
CENT = Decimal("0.01")
# The connector's default exclusions (connector/models/channels.py) and the open states of its
# default payment groups (payments/selectors.py), repeated here because the sandbox stands
# for Billbee and knows nothing of the connector; a test keeps them equal.
EXCLUDED_PLATFORMS = frozenset(
    {"Amazon", "eBay", "WooCommerce", "Shopify", "Magento", "Etsy", "Kaufland"}
)
PREPAYMENT_OPEN_STATES = frozenset({1, 2, 15, 11, 12})
INVOICE_OPEN_STATES = frozenset({1, 2, 4, 13, 16, 15, 11, 12})
OPEN_STATES = {1: PREPAYMENT_OPEN_STATES, 59: PREPAYMENT_OPEN_STATES, 26: INVOICE_OPEN_STATES}


def iban_de(seed: int) -> str:
    """A German IBAN with valid check digits (ISO 13616, mod 97) for an account number."""
    bban = f"{50010517:08d}{seed % 10**10:010d}"
    number = int(bban + "131400")  # "DE" = 13 14, check digits 00
    return f"DE{98 - number % 97:02d}{bban}"


def _channel_open(order: dict[str, Any]) -> bool:
    """Whether the connector's default rules import the order's channel."""
    return (order.get("Seller") or {}).get("Platform") not in EXCLUDED_PLATFORMS


def _recent(state: SandboxState, days: int) -> Iterator[dict[str, Any]]:
    """Rendered orders of channels the connector imports by default, created within the last
    ``days`` days of the data, neither cancelled nor deleted, with a positive total, in
    ascending id."""
    end = datetime.fromtimestamp(state.dataset.end)
    since = (end - timedelta(days=days)).isoformat()
    for h in sorted(state.dataset.headers, key=lambda h: h.order_id):
        order = state.dataset.render_order(h)
        if order.get("State") in (6, 8) or str(order.get("CreatedAt") or "") < since:
            continue
        if Decimal(str(order.get("TotalCost") or 0)) <= 0 or not _channel_open(order):
            continue
        yield order


def _open_bank_orders(state: SandboxState, days: int) -> Iterator[dict[str, Any]]:
    """Unpaid orders of the bank methods in an open state of their group; invoice-method
    orders only once invoiced (before that they are no open item)."""
    for order in _recent(state, days):
        method = order.get("PaymentMethod")
        if method not in BANK_PAYMENTS or order.get("PayedAt"):
            continue
        if order.get("State") not in OPEN_STATES[method]:
            continue
        if method == 26 and not order.get("InvoiceNumber"):
            continue
        yield order


def _paid_paypal_orders(state: SandboxState, days: int) -> Iterator[dict[str, Any]]:
    """Invoiced PayPal orders paid at checkout."""
    for order in _recent(state, days):
        paid = order.get("PayedAt") and order.get("InvoiceNumber")
        if order.get("PaymentMethod") == PAYPAL and paid:
            yield order


def printed_invoice_number(order: dict[str, Any]) -> str:
    number = order.get("InvoiceNumber")
    if not number:
        return ""
    return (
        f"{order.get('InvoiceNumberPrefix') or ''}{number}{order.get('InvoiceNumberPostfix') or ''}"
    )


def _payer(order: dict[str, Any]) -> str:
    """The name on the invoice address: the company, else first and last name."""
    address = order.get("InvoiceAddress") or {}
    name = f"{address.get('FirstName') or ''} {address.get('LastName') or ''}".strip()
    return str(address.get("Company") or "").strip() or name or "Kunde"


def _payer_iban(order: dict[str, Any]) -> str:
    """One account per customer: every transfer of a customer comes from the same IBAN."""
    customer = order.get("Customer") or {}
    return iban_de(int(customer.get("Id") or order["BillBeeOrderId"]))


def _pay_day(order: dict[str, Any], rng: random.Random, end: date) -> date:
    """A few days after the order, or after the invoice when it is paid on invoice."""
    since = str(order["CreatedAt"])[:19]
    if order.get("PaymentMethod") == 26 and order.get("InvoiceDate"):
        since = max(since, str(order["InvoiceDate"])[:19])
    return min(datetime.fromisoformat(since).date() + timedelta(days=rng.randint(1, 6)), end)


def _typo(reference: str, rng: random.Random) -> str:
    digits = [i for i, c in enumerate(reference[:-1]) if c.isdigit() and reference[i + 1].isdigit()]
    if not digits:
        return reference
    i = rng.choice(digits)
    return reference[:i] + reference[i + 1] + reference[i] + reference[i + 2 :]


def bank_lines(state: SandboxState, *, days: int = 14, seed: int = 1) -> list[dict[str, Any]]:
    """The bank statement's transactions, each with the order ids it pays (the truth)."""
    rng = random.Random(seed * 7919 + 53)
    end = datetime.fromtimestamp(state.dataset.end).date()
    lines: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []
    for index, order in enumerate(_open_bank_orders(state, days)):
        total = Decimal(str(order["TotalCost"])).quantize(CENT)
        payer, roll = _payer(order), rng.random()
        # The invoice number, else what the order confirmation asked for: the payment
        # reference (manual orders may have no order number), else the order number, else
        # Billbee's order id.
        reference = (
            printed_invoice_number(order)
            or str(order.get("PaymentReference") or "")
            or str(order.get("OrderNumber") or "")
            or f"Auftrag {order['BillBeeOrderId']}"
        )
        line = {
            "date": _pay_day(order, rng, end),
            "amount": total,
            "name": payer,
            "iban": _payer_iban(order),
            "orders": [int(order["BillBeeOrderId"])],
        }
        if index % 12 in (5, 6):  # every twelfth transfer pays two invoices
            waiting.append({**line, "text": reference})
            if len(waiting) == 2:
                first, second = waiting
                lines.append(
                    {
                        **second,
                        "amount": first["amount"] + second["amount"],
                        "text": f"{first['text']} und {second['text']}",
                        "orders": first["orders"] + second["orders"],
                    }
                )
                waiting = []
            continue
        if roll < 0.65:
            line["text"] = reference
        elif roll < 0.72:
            line["text"] = f"Rechnung Nr. {reference}\nVielen Dank"
        elif roll < 0.79:
            line["text"] = _typo(reference, rng)
        elif roll < 0.86:
            line["text"] = f"Bestellung {payer}"
        elif roll < 0.92:
            line["amount"] = (total / 2).quantize(CENT)
            line["text"] = f"{reference} Teilzahlung"
        else:
            line["text"] = f"{reference} {order.get('OrderNumber') or ''}".strip()
        lines.append(line)
    lines.extend(waiting)
    lines.append(
        {
            "date": end,
            "amount": Decimal("-9.90"),
            "name": "",
            "iban": "",
            "orders": [],
            "text": "Kontoführung Entgelt",
            "fee": True,
        }
    )
    lines.sort(key=lambda line: (line["date"], line["orders"][:1]))
    return lines


def camt053(state: SandboxState, *, days: int = 14, seed: int = 1) -> bytes:
    """A CAMT.053.001.08 statement of the merchant's account over the last ``days`` days."""
    lines = bank_lines(state, days=days, seed=seed)
    end = datetime.fromtimestamp(state.dataset.end).date()
    ET.register_namespace("", CAMT_NS)
    q = lambda tag: f"{{{CAMT_NS}}}{tag}"  # noqa: E731

    def sub(parent: ET.Element, path: str, text: str | None = None) -> ET.Element:
        node = parent
        for tag in path.split("/"):
            node = ET.SubElement(node, q(tag))
        if text is not None:
            node.text = text
        return node

    root = ET.Element(q("Document"))
    statement_root = sub(root, "BkToCstmrStmt")
    header = sub(statement_root, "GrpHdr")
    sub(header, "MsgId", f"SANDBOX-{end:%Y%m%d}-{seed}")
    sub(header, "CreDtTm", f"{end:%Y-%m-%d}T18:00:00")
    statement = sub(statement_root, "Stmt")
    sub(statement, "Id", f"{end:%Y%m%d}-{seed}")
    sub(statement, "CreDtTm", f"{end:%Y-%m-%d}T18:00:00")
    period = sub(statement, "FrToDt")
    sub(period, "FrDtTm", f"{end - timedelta(days=days):%Y-%m-%d}T00:00:00")
    sub(period, "ToDtTm", f"{end:%Y-%m-%d}T23:59:59")
    account = sub(statement, "Acct")
    sub(account, "Id/IBAN", MERCHANT_IBAN)
    sub(account, "Ccy", "EUR")
    sub(account, "Ownr/Nm", MERCHANT_NAME)
    opening = Decimal("10000.00")
    closing = opening + sum((line["amount"] for line in lines), Decimal(0))
    for code, amount, day in (
        ("OPBD", opening, end - timedelta(days=days)),
        ("CLBD", closing, end),
    ):
        balance = sub(statement, "Bal")
        sub(balance, "Tp/CdOrPrtry/Cd", code)
        sub(balance, "Amt", f"{abs(amount):.2f}").set("Ccy", "EUR")
        sub(balance, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
        sub(balance, "Dt/Dt", f"{day:%Y-%m-%d}")
    for n, line in enumerate(lines, 1):
        credit = line["amount"] >= 0
        entry = sub(statement, "Ntry")
        sub(entry, "NtryRef", str(n))
        sub(entry, "Amt", f"{abs(line['amount']):.2f}").set("Ccy", "EUR")
        sub(entry, "CdtDbtInd", "CRDT" if credit else "DBIT")
        sub(entry, "Sts/Cd", "BOOK")
        sub(entry, "BookgDt/Dt", f"{line['date']:%Y-%m-%d}")
        sub(entry, "ValDt/Dt", f"{line['date']:%Y-%m-%d}")
        sub(entry, "AcctSvcrRef", f"SBX{end:%Y%m%d}{n:06d}")
        # ISO bank transaction codes: a SEPA credit transfer received (PMNT/RCDT/ESCT) or
        # sent (PMNT/ICDT/ESCT), the bank's charges (ACMT/MDOP/CHRG).
        fee = bool(line.get("fee"))
        domain = sub(entry, "BkTxCd/Domn")
        sub(domain, "Cd", "ACMT" if fee else "PMNT")
        family = sub(domain, "Fmly")
        sub(family, "Cd", "MDOP" if fee else ("RCDT" if credit else "ICDT"))
        sub(family, "SubFmlyCd", "CHRG" if fee else "ESCT")
        details = sub(entry, "NtryDtls/TxDtls")
        sub(details, "Refs/EndToEndId", "NOTPROVIDED")
        if line["name"]:
            party = sub(details, "RltdPties")
            sub(party, "Dbtr/Pty/Nm", line["name"])
            sub(party, "DbtrAcct/Id/IBAN", line["iban"])
        sub(details, "RmtInf/Ustrd", line["text"])
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


PAYPAL_HEADER = (
    "Datum", "Uhrzeit", "Zeitzone", "Name", "Typ", "Status", "Währung", "Brutto", "Gebühr",
    "Netto", "Absender E-Mail-Adresse", "Empfänger E-Mail-Adresse", "Transaktionscode",
    "Zugehöriger Transaktionscode", "Rechnungsnummer", "Guthaben",
)  # fmt: skip


def _de(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _paypal_transaction_id(order: dict[str, Any], seed: int) -> str:
    """PayPal's transaction id as Billbee has it on the order (its payment, else the order's
    PaymentTransactionId), else one made from the order id."""
    for payment in order.get("Payments") or []:
        if payment.get("TransactionId"):
            return str(payment["TransactionId"])
    return str(
        order.get("PaymentTransactionId")
        or f"{seed:02d}{int(order['BillBeeOrderId']) % 10**15:015d}"[-17:]
    ).upper()


def paypal_lines(state: SandboxState, *, days: int = 14, seed: int = 1) -> list[dict[str, Any]]:
    """The PayPal payments, each with the order it pays (the truth), by date."""
    end = datetime.fromtimestamp(state.dataset.end).date()
    lines = []
    for order in _paid_paypal_orders(state, days):
        gross = Decimal(str(order["TotalCost"])).quantize(CENT)
        paid = datetime.fromisoformat(str(order["PayedAt"])[:19])
        lines.append(
            {
                "date": min(paid.date(), end),
                "time": f"{paid:%H:%M:%S}",
                "amount": gross,
                "fee": -(gross * Decimal("0.0249") + Decimal("0.35")).quantize(CENT),
                "name": _payer(order),
                "email": (order.get("Customer") or {}).get("Email") or "kunde@example.com",
                "transaction_id": _paypal_transaction_id(order, seed),
                "invoice": str(order.get("OrderNumber") or ""),
                "orders": [int(order["BillBeeOrderId"])],
            }
        )
    lines.sort(key=lambda line: (line["date"], line["time"], line["orders"]))
    return lines


def paypal_csv(state: SandboxState, *, days: int = 14, seed: int = 1) -> bytes:
    """A PayPal activity download (German headers, as PayPal offers it to German accounts)
    with a payment per invoiced PayPal order, PayPal's fee, and the transfer to the bank."""
    end = datetime.fromtimestamp(state.dataset.end).date()
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(PAYPAL_HEADER)
    running = Decimal(0)
    for line in paypal_lines(state, days=days, seed=seed):
        net = line["amount"] + line["fee"]
        running += net
        writer.writerow(
            [
                f"{line['date']:%d.%m.%Y}", line["time"], "Europe/Berlin", line["name"],
                "Website-Zahlung", "Abgeschlossen", "EUR", _de(line["amount"]), _de(line["fee"]),
                _de(net), line["email"], "shop@holzwerk.example", line["transaction_id"], "",
                line["invoice"], _de(running),
            ]
        )  # fmt: skip
    if running > 0:
        writer.writerow(
            [
                f"{end:%d.%m.%Y}", "20:00:00", "Europe/Berlin", MERCHANT_NAME,
                "Allgemeine Abbuchung", "Abgeschlossen", "EUR", _de(-running), "0,00",
                _de(-running), "shop@holzwerk.example", "", f"PAYOUT{end:%Y%m%d}{seed:04d}", "",
                "", "0,00",
            ]
        )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def statements_truth(state: SandboxState, *, days: int = 14, seed: int = 1) -> str:
    """The bank lines and the PayPal payments with the orders each one pays, as JSON (for
    tests and the demo): ``{"lines": [bank lines], "paypal": [PayPal payments]}``."""

    def plain(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                **line,
                "date": line["date"].isoformat(),
                "amount": str(line["amount"]),
                **({"fee": str(line["fee"])} if isinstance(line.get("fee"), Decimal) else {}),
            }
            for line in lines
        ]

    return jsonutil.dumps(
        {
            "lines": plain(bank_lines(state, days=days, seed=seed)),
            "paypal": plain(paypal_lines(state, days=days, seed=seed)),
        }
    )
