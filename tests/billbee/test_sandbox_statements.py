"""The sandbox's bank and PayPal statements that pay its unpaid orders (demo and tests of
payment matching)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

from stdnum import iban

from billbee.sandbox.statements import CAMT_NS, EXCLUDED_PLATFORMS, OPEN_STATES, iban_de

NS = {"c": CAMT_NS}


def test_generated_ibans_have_valid_check_digits():
    assert all(iban.is_valid(iban_de(seed)) for seed in (0, 1, 42, 10**9 + 7, 10**12))


def test_the_bank_statement_pays_unpaid_bank_transfer_orders(make_sandbox):
    # Only the open orders of channels a default connection imports are paid: a larger shop.
    sandbox = make_sandbox(orders=900)
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
    accounts: dict[int, set[str]] = {}
    for line in truth:
        for order_id in line["orders"]:
            order = sandbox.control("GET", f"orders/{order_id}")
            assert order["PaymentMethod"] in (1, 26, 59)
            assert not order.get("PayedAt")
            assert order["State"] in OPEN_STATES[order["PaymentMethod"]]
            assert order["Seller"]["Platform"] not in EXCLUDED_PLATFORMS
            if order["PaymentMethod"] == 26:  # paid on invoice: invoiced, so an open item
                assert order["InvoiceNumber"]
        if len(line["orders"]) == 1:
            accounts.setdefault(order["Customer"]["Id"], set()).add(line["iban"])
            address = order["InvoiceAddress"]
            assert line["name"] == (
                address["Company"] or f"{address['FirstName']} {address['LastName']}"
            )
    # One account per customer, valid, and different customers pay from different accounts.
    assert all(len(ibans) == 1 and iban.is_valid(*ibans) for ibans in accounts.values())
    assert len({next(iter(ibans)) for ibans in accounts.values()}) == len(accounts)
    texts = [e.findtext(".//c:Ustrd", namespaces=NS) for e in entries]
    assert any("\n" in text for text in texts)  # a reference with a line break
    assert any(len(line["orders"]) == 2 for line in truth)  # one transfer, two invoices


def test_the_paypal_download_pays_paypal_orders_with_fees(sandbox):
    content = sandbox.control("GET", "statements/paypal?days=90")["content"]
    rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))
    payments = [r for r in rows if r["Typ"] == "Website-Zahlung"]
    truth = sandbox.control("GET", "statements/truth?days=90")["paypal"]

    assert payments and len(payments) == len(truth)
    for row, paid in zip(payments, truth, strict=True):
        gross, fee, net = (Decimal(row[k].replace(",", ".")) for k in ("Brutto", "Gebühr", "Netto"))
        assert fee < 0 and gross + fee == net
        order = sandbox.control("GET", f"orders/{paid['orders'][0]}")
        # An invoiced PayPal order of an imported channel, paid at checkout: PayPal's
        # transaction id as Billbee has it, the order number as PayPal's invoice number.
        assert order["PaymentMethod"] == 3 and order["PayedAt"] and order["InvoiceNumber"]
        assert order["Seller"]["Platform"] not in EXCLUDED_PLATFORMS
        assert row["Rechnungsnummer"] == order["OrderNumber"]
        assert row["Transaktionscode"] == order["Payments"][0]["TransactionId"]
        assert gross == Decimal(str(order["TotalCost"])).quantize(Decimal("0.01"))
    payout = [r for r in rows if r["Typ"] == "Allgemeine Abbuchung"]
    assert len(payout) == 1 and payout[0]["Guthaben"] == "0,00"


def test_the_same_seed_gives_the_same_file(sandbox):
    first = sandbox.control("GET", "statements/camt053?seed=3")["content"]
    assert sandbox.control("GET", "statements/camt053?seed=3")["content"] == first
    assert sandbox.control("GET", "statements/camt053?seed=4")["content"] != first
