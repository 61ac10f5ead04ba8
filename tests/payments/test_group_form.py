"""A payment group is edited with choices, never lists of ids typed as JSON: its Billbee payment
methods from a list, its states as Billbee's German interface names them, one field per
reminder level."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import now

from connector.models import BillbeeName
from payments.models import PaymentGroup
from payments.services.groups import payment_groups_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(connection):
    payment_groups_ensure(connection)
    return PaymentGroup.objects.get(connection=connection, kind="prepayment")


def page(admin_client, group, language="de"):
    url = reverse("admin:payments_paymentgroup_change", args=[group.pk])
    return admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def form_data(group, **changes):
    data = {
        "connection": group.connection_id,
        "kind": group.kind,
        "payment_methods": ["1", "59"],
        "open_states": ["1", "2"],
        "paid_state": "3",
        "cancelled_state": "",
        "overdue_state": "",
        "refunded_state": "",
        "open_items_months": "2",
        "writeback": "approve",
        "writeback_tag": "",
        "skonto_rate": "0",
        "skonto_days": "0",
        "reminder_days_0": "14",
        "reminder_days_1": "28",
        "reminder_days_2": "",
        "reminder_pay_within_days": "7",
        "reminder_states_0": "15",
        "reminder_states_1": "11",
        "reminder_states_2": "",
        "reminder_channel": "email",
        "reminder_from_email": "",
        "reminder_signature": "",
        "reminder_iban": "",
    }
    data.update(changes)
    return data


def test_the_page_has_no_json_text_area_and_names_the_states_in_german(admin_client, group):
    response = page(admin_client, group)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<textarea" not in html
    assert 'name="reminder_days_0"' in html and 'name="reminder_days_2"' in html
    assert 'name="reminder_states_1"' in html
    form = response.context["adminform"].form
    assert form["paid_state"].value() == 3
    with translation.override("de"):
        states = dict(form.fields["open_states"].choices)
        methods = dict(form.fields["payment_methods"].choices)
    assert str(states[3]) == "3 Zahlung erhalten"
    assert str(states[12]) == "12 2. Mahnung"
    assert methods[59] == "Vorkasse (59)"
    assert ">3 Zahlung erhalten<" in html


def test_the_english_console_names_the_states_in_english(admin_client, group):
    html = page(admin_client, group, "en").content.decode()

    assert ">3 paid<" in html
    assert ">15 payment reminder<" in html


def test_choices_are_stored_as_the_lists_of_ids_the_matching_reads(admin_client, group):
    # A payment type beyond the built-in table, as Billbee lists it (billbee_names).
    BillbeeName.objects.create(
        kind=BillbeeName.Kind.PAYMENT_TYPE, billbee_id=140, name="Payone", refreshed_at=now()
    )
    url = reverse("admin:payments_paymentgroup_change", args=[group.pk])

    response = admin_client.post(
        url, form_data(group, payment_methods=["59", "1", "140"], open_states=["2", "1"])
    )
    unknown = admin_client.post(url, form_data(group, payment_methods=["9999"]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    group.refresh_from_db()
    assert sorted(group.payment_methods) == [1, 59, 140]
    assert group.open_states == [1, 2]
    assert group.reminder_days == [14, 28]
    assert group.reminder_states == [15, 11]
    assert (group.paid_state, group.cancelled_state) == (3, None)
    assert "payment_methods" in unknown.context["adminform"].form.errors


def test_a_level_without_the_one_before_or_days_that_fall_are_refused(admin_client, group):
    url = reverse("admin:payments_paymentgroup_change", args=[group.pk])

    gap = admin_client.post(
        url, form_data(group, reminder_days_0="14", reminder_days_1="", reminder_days_2="42")
    )
    falling = admin_client.post(
        url, form_data(group, reminder_days_0="28", reminder_days_1="14"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert gap.status_code == falling.status_code == 200
    assert "reminder_days" in gap.context["adminform"].form.errors
    errors = falling.context["adminform"].form.errors["reminder_days"]
    assert errors == [
        "Give one to three numbers of days after the invoice date, increasing, e.g. 14, 28, 42."
    ]
    group.refresh_from_db()
    assert group.reminder_days == [14, 28, 42]


def test_a_stored_id_billbee_added_later_is_kept_and_shown(admin_client, group):
    group.open_states = [1, 18]
    group.save()

    form = page(admin_client, group).context["adminform"].form

    assert 18 in dict(form.fields["open_states"].choices)
    assert form["open_states"].value() == [1, 18]


def test_the_list_names_methods_and_states(admin_client, group):
    html = admin_client.get(
        reverse("admin:payments_paymentgroup_changelist"), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    assert "Bankueberweisung, Vorkasse" in html or "Vorkasse, Bankueberweisung" in html
    assert "Bestellt, Bestätigt" in html


def test_a_reader_sees_the_names_not_the_lists_of_ids(login, group):
    group.reminder_states = [15, None, 12]
    group.save()
    client = login("payments.view_paymentgroup")

    response = client.get(
        reverse("admin:payments_paymentgroup_change", args=[group.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<select" not in html and "<textarea" not in html
    assert "Bankueberweisung, Vorkasse" in html or "Vorkasse, Bankueberweisung" in html
    assert "1 Bestellt" not in html  # open states are named without numbers in the text
    assert "15 Zahlungserinnerung, —, 12 2. Mahnung" in html
    assert "14, 28, 42" in html
    assert "[1, 59]" not in html and "[15, null, 12]" not in html
