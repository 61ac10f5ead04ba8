"""The sandbox's bank and PayPal statements that pay its unpaid orders (demo and tests of
payment matching)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

from stdnum import iban

from billbee.sandbox.statements import CAMT_NS, iban_de

NS = {"c": CAMT_NS}


def test_generated_ibans_have_valid_check_digits():
    assert all(iban.is_valid(iban_de(seed)) for seed in (0, 1, 42, 10**9 + 7, 10**12))


def test_the_bank_statement_pays_unpaid_bank_transfer_orders(sandbox):
    reply = sandbox.control("GET", "statements/camt053?days=90")
    truth = sandbox.control("GET", "statements/truth?days=90")["lines"]
    root = ET.fromstring(reply["content"].encode())  # noqa: S314 - the sandbox's own output
    entries = root.findall(".//c:Ntry", NS)

    assert reply["filename"].endswith(".xml")
    assert len(entries) == len(truth) > 10
    signed = [
        Decimal(e.findtext("c:Amt", namespaces=NS))
        * (1 if e.findtext("c:CdtDbtInd", namespaces=NS) == "CRDT" else -1)
        for e in entries
    ]
    assert sum(signed) == sum(Decimal(line["amount"]) for line in truth)
    balances = {
        b.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=NS): Decimal(
            b.findtext("c:Amt", namespaces=NS)
        )
        for b in root.findall(".//c:Bal", NS)
    }
    assert balances["CLBD"] - balances["OPBD"] == sum(signed)
    for line in truth:
        for order_id in line["orders"]:
            order = sandbox.control("GET", f"orders/{order_id}")
            assert order["PaymentMethod"] in (1, 26, 59)
            assert not order.get("PayedAt")
    texts = [e.findtext(".//c:Ustrd", namespaces=NS) for e in entries]
    assert any("\n" in text for text in texts)  # a reference with a line break
    assert any(len(line["orders"]) == 2 for line in truth)  # one transfer, two invoices


def test_the_paypal_download_pays_paypal_orders_with_fees(sandbox):
    content = sandbox.control("GET", "statements/paypal?days=90")["content"]
    rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))
    payments = [r for r in rows if r["Typ"] == "Website-Zahlung"]

    assert payments
    for row in payments:
        gross, fee, net = (Decimal(row[k].replace(",", ".")) for k in ("Brutto", "Gebühr", "Netto"))
        assert fee < 0 and gross + fee == net
        assert row["Rechnungsnummer"]
    payout = [r for r in rows if r["Typ"] == "Allgemeine Abbuchung"]
    assert len(payout) == 1 and payout[0]["Guthaben"] == "0,00"


def test_the_same_seed_gives_the_same_file(sandbox):
    first = sandbox.control("GET", "statements/camt053?seed=3")["content"]
    assert sandbox.control("GET", "statements/camt053?seed=3")["content"] == first
    assert sandbox.control("GET", "statements/camt053?seed=4")["content"] != first
