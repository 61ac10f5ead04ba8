"""What the database itself guarantees, the payment groups' defaults, the ignore rules as
the matching engine takes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from payments.models import IgnoreRule, PaymentGroup, PaymentSource, StatementTransaction
from payments.selectors import PlainIgnoreRule, ignore_rules
from payments.services.groups import payment_groups_ensure
from payments.services.statements import statement_import
from tests.payments.mappings import sample

pytestmark = pytest.mark.django_db


def test_the_database_refuses_an_unknown_state_and_a_second_line_with_one_key(bank):
    statement_import(bank, sample("volksbank.csv"))
    line = StatementTransaction.objects.first()

    with pytest.raises(IntegrityError), transaction.atomic():
        StatementTransaction.objects.filter(pk=line.pk).update(state="paid")
    copy = StatementTransaction.objects.get(pk=line.pk)
    copy.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_the_database_refuses_a_bank_account_without_iban(connection):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentSource.objects.create(connection=connection, name="Giro", ledger_account=1200)


def test_amounts_are_stored_exactly(bank):
    statement_import(bank, sample("volksbank.csv"))

    total = sum(StatementTransaction.objects.values_list("amount", flat=True))

    assert total == Decimal("49.90") * 2 - Decimal("18.40") - Decimal("1000.00")
    assert StatementTransaction.objects.filter(amount=Decimal("-18.40")).get().booking_date == (
        date(2026, 11, 3)
    )


def test_groups_are_created_with_their_defaults_once_and_never_changed(connection):
    PaymentGroup.objects.create(
        connection=connection, kind="invoice", payment_methods=[26, 25], open_states=[4]
    )

    created = payment_groups_ensure(connection)
    again = payment_groups_ensure(connection)

    assert sorted(g.kind for g in created) == ["cod", "prepayment"]
    assert again == []
    invoice = PaymentGroup.objects.get(kind="invoice")
    assert (invoice.payment_methods, invoice.open_states) == ([26, 25], [4])


def test_the_group_list_shows_the_defaults_on_first_use(admin_client, connection):
    response = admin_client.get(reverse("admin:payments_paymentgroup_changelist"))

    assert response.status_code == 200
    assert sorted(PaymentGroup.objects.values_list("kind", flat=True)) == [
        "cod",
        "invoice",
        "prepayment",
    ]


def test_ignore_rules_as_the_matching_engine_takes_them(connection):
    IgnoreRule.objects.create(
        connection=connection,
        field="name",
        pattern="PayPal Europe",
        reason="Auszahlung von PayPal: wird über das Geldtransitkonto gebucht.",
    )

    assert ignore_rules(connection) == [
        PlainIgnoreRule(
            "name",
            "PayPal Europe",
            "Auszahlung von PayPal: wird über das Geldtransitkonto gebucht.",
        )
    ]
