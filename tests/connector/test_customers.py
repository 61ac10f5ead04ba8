"""Who ordered: the customer's name, e-mail, number, Billbee id and language stored on each
document at import, and filled in for documents stored before (migration 0015)."""

from __future__ import annotations

import importlib
import json
import zlib
from datetime import datetime

import pytest
from django.apps import apps
from django.utils import timezone

from connector.customers import customer_details, customer_key, customer_name
from connector.models import ExternalOrder, ExternalOrderVersion
from tests.conftest import BERLIN
from tests.connector.test_import import NOVEMBER, doc, insert, make_connection, run

PERSON = {
    "InvoiceAddress": {
        "FirstName": "Katrin",
        "LastName": " Krüger ",
        "Company": None,
        "Email": "k.krueger@example.de",
        "CountryISO2": "DE",
    },
    "Customer": {"Id": 7001, "Name": "K. Krüger", "Email": "katrin@example.de", "Number": "K-12"},
    "CustomerNumber": "10042",
    "LanguageCode": "de",
}


def test_the_invoice_address_names_the_customer_company_first():
    assert customer_name(PERSON) == "Katrin Krüger"
    company = {"InvoiceAddress": {"Company": "Tischlerei  Holz GmbH", "FirstName": "Jan"}}
    assert customer_name(company) == "Tischlerei Holz GmbH"
    # No name on the address: the Billbee customer's name; no customer at all: nobody.
    assert customer_name({"InvoiceAddress": {}, "Customer": {"Name": "Jan Berg"}}) == "Jan Berg"
    assert customer_name({"InvoiceAddress": None, "Customer": None}) == ""


def test_details_and_the_key_that_recognises_the_customer_across_orders():
    details = customer_details(PERSON)
    assert details == {
        "email": "katrin@example.de",
        "number": "10042",
        "id": 7001,
        "language": "de",
    }
    assert customer_key(details) == "id:7001"
    assert customer_key({"number": "10042", "email": "A@B.DE"}) == "number:10042"
    assert customer_key({"email": "K.Krueger@Example.de"}) == "email:k.krueger@example.de"
    # A name alone is no key: two customers can share it.
    assert customer_key(customer_details({"InvoiceAddress": {"FirstName": "Jan"}})) == ""
    assert customer_details({"Customer": {"Id": 0}, "LanguageCode": ""}) == {}


@pytest.mark.django_db
def test_the_import_stores_the_customer(make_sandbox, settings):
    settings.BILLBEE_RATE_LIMIT = 0
    sandbox = make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))
    connection = make_connection(sandbox, import_start_date=NOVEMBER)
    order = insert(sandbox, **PERSON)
    anonymous = insert(sandbox)

    run(connection)

    stored = doc(order, connection)
    assert stored.customer_name == "Katrin Krüger"
    assert stored.customer == {
        "email": "katrin@example.de",
        "number": "10042",
        "id": 7001,
        "language": "de",
    }
    nobody = doc(anonymous, connection)
    assert (nobody.customer_name, nobody.customer) == ("", {})


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_stored_documents_from_their_latest_version():
    from connector.models import Connection

    connection = Connection.objects.create(name="shop", api_url="http://127.0.0.1:9/api/v1")
    now = timezone.now()
    documents = []
    for n in range(3):
        documents.append(
            ExternalOrder.objects.create(
                connection=connection,
                billbee_order_id=1000 + n,
                status="imported",
                reason_code="imported",
                reason="imported",
                raw_hash="h",
                content_hash="c",
                first_seen_at=now,
                last_seen_at=now,
                decided_at=now,
            )
        )

    def version(document, number, raw):
        text = raw if isinstance(raw, str) else json.dumps(raw)
        ExternalOrderVersion.objects.create(
            external_order=document,
            number=number,
            raw_compressed=zlib.compress(text.encode()),
            raw_hash="h",
            content_hash="c",
            status="imported",
            reason="",
            seen_at=now,
        )

    first, second, broken = documents
    version(first, 1, {"InvoiceAddress": {"FirstName": "Old", "LastName": "Name"}})
    version(first, 2, PERSON)  # the latest version counts
    version(second, 1, {"InvoiceAddress": {"Company": "Holz GmbH"}, "LanguageCode": "en"})
    version(broken, 1, "not json")

    migration = importlib.import_module("connector.migrations.0015_customer_of_the_order")
    migration.CHUNK = 2  # two chunks for three documents
    migration.backfill_customers(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    broken.refresh_from_db()
    assert (first.customer_name, first.customer["id"]) == ("Katrin Krüger", 7001)
    assert (second.customer_name, second.customer) == ("Holz GmbH", {"language": "en"})
    assert (broken.customer_name, broken.customer) == ("", {})
