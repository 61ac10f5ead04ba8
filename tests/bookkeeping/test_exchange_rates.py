"""Exchange rates: the BMF's monthly VAT conversion rates by default (§ 16 (6) UStG), the daily
reference rate as the option, and the import of rate files by command and in the console."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from bookkeeping.models import BookkeepingSettings, ExchangeRate
from bookkeeping.services.rates import BMF_SOURCE, exchange_rate_lookup
from tests.bookkeeping.helpers import booked_lines, booking, import_and_book, item
from tests.connector.test_import import insert

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "parsers"
MONTHLY = ExchangeRate.Kind.MONTHLY
DAILY = ExchangeRate.Kind.DAILY
BMF = BookkeepingSettings.ExchangeRateSource.BMF_MONTHLY
SWISS = {"CountryISO2": "CH", "Zip": "8001"}


def rate(currency: str, day: date, value: str, kind: str = MONTHLY) -> ExchangeRate:
    return ExchangeRate.objects.create(currency=currency, day=day, kind=kind, rate=Decimal(value))


def stored() -> list[tuple[str, date, str, Decimal, str]]:
    return list(
        ExchangeRate.objects.order_by("kind", "currency", "day").values_list(
            "currency", "day", "kind", "rate", "source"
        )
    )


def import_rates(*args: str) -> tuple[int, str, str]:
    """Run ``import_exchange_rates``; (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_exchange_rates", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def swiss_export(account, **fields) -> int:
    """An export to Zurich of 93.70 CHF, shipped on 30 October, invoiced on 2 November."""
    values = {
        "VatMode": 3,
        "Currency": "CHF",
        "OrderItems": [item("93.70", 1, "0")],
        "ShippingCost": 0,
        "TotalCost": "93.70",
        "ShippingAddress": SWISS,
        "InvoiceAddress": SWISS,
        "CreatedAt": "2026-10-28T10:00:00",
        "PayedAt": "2026-10-28T10:05:00",
        "ShippedAt": "2026-10-30T09:00:00",
        "InvoiceDate": "2026-11-02T11:00:00",
    }
    values.update(fields)
    return insert(account, **values)


# ---------------------------------------------------------------- the lookup


def test_the_bmf_rate_of_the_month_of_supply_is_taken_not_that_of_the_invoice():
    rate("CHF", date(2026, 10, 1), "0.9370")
    rate("CHF", date(2026, 11, 1), "0.9100")
    rate("CHF", date(2026, 11, 2), "0.9500", DAILY)

    choice = exchange_rate_lookup(BMF, "CHF", date(2026, 10, 30), date(2026, 11, 2))

    assert choice.rate == Decimal("0.937")
    assert choice.text == (
        "CHF document: 1 EUR = 0.937 CHF, the BMF VAT conversion rate of 10/2026 "
        "(§ 16 (6) UStG; month of the date of supply 30.10.2026)"
    )


def test_without_the_months_bmf_rate_the_document_waits_and_is_told_where_to_enter_it():
    rate("CHF", date(2026, 10, 1), "0.9370")  # the month before
    rate("CHF", date(2026, 11, 9), "0.9370", DAILY)  # a daily rate is not a BMF rate

    choice = exchange_rate_lookup(BMF, "CHF", date(2026, 11, 12), date(2026, 11, 12))

    assert choice.rate is None
    assert choice.text == (
        "enter the BMF VAT conversion rate for CHF for 11/2026 "
        "(Bookkeeping → Exchange rates → Import, or `import_exchange_rates`)"
    )


def test_without_a_date_of_supply_the_month_of_the_document_date_decides():
    rate("GBP", date(2026, 11, 1), "0.8710")

    choice = exchange_rate_lookup(BMF, "GBP", None, date(2026, 11, 2))

    assert choice.rate == Decimal("0.871")
    assert "no date of supply: month of the document date 02.11.2026" in choice.text


def test_the_daily_rate_is_the_latest_up_to_ten_days_before_the_booking_date():
    daily = BookkeepingSettings.ExchangeRateSource.DAILY
    rate("USD", date(2026, 11, 1), "1.0700")  # monthly: not used by the daily setting
    rate("USD", date(2026, 10, 30), "1.0815", DAILY)

    found = exchange_rate_lookup(daily, "USD", date(2026, 10, 1), date(2026, 11, 9))
    too_old = exchange_rate_lookup(daily, "USD", date(2026, 11, 9), date(2026, 11, 10))

    assert found.rate == Decimal("1.0815")
    assert found.text == (
        "USD document: 1 EUR = 1.0815 USD, the daily reference rate of 30.10.2026 "
        "(setting: daily rates; booking date 09.11.2026)"
    )
    assert too_old.rate is None
    assert too_old.text == (
        "enter the EUR reference rate for USD on or shortly before 10.11.2026 "
        "(Bookkeeping → Exchange rates → Import, or `import_exchange_rates --kind daily`)"
    )


# ---------------------------------------------------------------- booking


def test_a_chf_export_is_booked_at_the_bmf_rate_of_its_month_of_supply(
    account, shop, tmp_path, eager, django_capture_on_commit_callbacks
):
    billbee_id = swiss_export(account)
    import_and_book(shop)
    assert booking(billbee_id).reason == (
        "enter the BMF VAT conversion rate for CHF for 10/2026 "
        "(Bookkeeping → Exchange rates → Import, or `import_exchange_rates`)"
    )

    rates = tmp_path / "rates.csv"
    rates.write_text("currency;month;rate\nCHF;2026-10;0,9370\nCHF;2026-11;0,9100\n")
    with django_capture_on_commit_callbacks(execute=True):
        code, out, _ = import_rates(str(rates))

    # The import booked the waiting document (a task, here run in-process).
    assert code == 0
    assert "booking queued for 1 connection(s)" in out
    entry = booking(billbee_id).entry
    assert (entry.currency, entry.exchange_rate) == ("CHF", Decimal("0.937"))
    assert (entry.document_date, entry.service_date) == (date(2026, 11, 2), date(2026, 10, 30))
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("100.00")),
        ("revenue", 8120, "H", Decimal("100.00")),
    ]
    assert any("BMF VAT conversion rate of 10/2026" in t for t in booking(billbee_id).trace)


def test_the_daily_setting_books_at_the_reference_rate_of_the_booking_date(account, shop):
    BookkeepingSettings.objects.filter(pk=shop.pk).update(exchange_rate_source="daily")
    billbee_id = swiss_export(account)
    rate("CHF", date(2026, 10, 1), "0.9100")  # a BMF rate: not what this setting uses
    import_and_book(shop)
    assert booking(billbee_id).reason.startswith(
        "enter the EUR reference rate for CHF on or shortly before 02.11.2026"
    )

    rate("CHF", date(2026, 10, 30), "0.9370", DAILY)
    import_and_book(shop)

    assert booking(billbee_id).entry.exchange_rate == Decimal("0.937")
    assert any("daily reference rate of 30.10.2026" in t for t in booking(billbee_id).trace)


# ---------------------------------------------------------------- the import command


def test_the_bmf_table_is_imported_and_importing_it_again_changes_nothing():
    sample = str(SAMPLES / "bmf_2026_running.csv")

    code, out, _ = import_rates(sample, "--year", "2026")
    first = stored()
    again_code, again, _ = import_rates(sample, "--year", "2026")

    assert (code, again_code) == (0, 0)
    assert "60 created, 0 updated, 0 unchanged" in out
    assert "0 created, 0 updated, 60 unchanged" in again
    assert stored() == first
    assert len(first) == 60
    assert ("CHF", date(2026, 10, 1), "monthly", Decimal("0.9342"), BMF_SOURCE) in first
    assert {day.day for _, day, *_ in first} == {1}


def test_daily_rates_are_imported_from_the_long_format_with_json_output():
    code, out, _ = import_rates(str(SAMPLES / "daily_long.csv"), "--kind", "daily", "--json")

    assert code == 0
    result = json.loads(out)
    assert (result["kind"], result["layout"], result["created"]) == ("daily", "long", 4)
    assert result["rates"][0] == {
        "action": "create",
        "currency": "CHF",
        "date": "2026-11-09",
        "rate": "0.937",
        "old_rate": None,
        "line": 2,
    }
    assert ("NOK", date(2026, 11, 9), "daily", Decimal("11.612"), "ECB reference rate") in (
        stored()
    )


def test_a_file_with_one_bad_line_writes_nothing(tmp_path):
    bad = tmp_path / "rates.csv"
    bad.write_text("currency;month;rate\nCHF;2026-10;0,9370\nGBP;2026-10;0,87\nUSD;2026-10;x\n")

    code, out, err = import_rates(str(bad))
    long_code, _, long_err = import_rates(str(SAMPLES / "bad_long.csv"))

    assert (code, out) == (2, "")
    assert "line 4: 'x' is not a rate" in err
    assert long_code == 2
    assert "line 11: DKK 11/2026 is given again with another rate" in long_err
    assert "line 7: EUR needs no exchange rate" in long_err
    assert ExchangeRate.objects.count() == 0


def test_a_changed_rate_is_updated_and_a_dry_run_writes_nothing(tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text("currency;month;rate\nCHF;2026-10;0,9370\nGBP;10/2026;0,8700\n")
    import_rates(str(rates))
    rates.write_text(
        "currency;month;rate\nCHF;2026-10;0,9370\nGBP;10/2026;0,8712\nUSD;2026-10;1,08\n"
    )

    _, dry, _ = import_rates(str(rates), "--dry-run")
    assert "1 created, 1 updated, 1 unchanged (dry run, nothing written)" in dry
    assert ExchangeRate.objects.count() == 2
    _, out, _ = import_rates(str(rates))

    assert "1 created, 1 updated, 1 unchanged" in out
    assert "GBP 2026-10: 0.87 → 0.8712" in out
    assert ExchangeRate.objects.get(currency="GBP").rate == Decimal("0.8712")
    assert ExchangeRate.objects.count() == 3


# ---------------------------------------------------------------- the console


@pytest.fixture
def import_url(static_root) -> str:
    return reverse("admin:bookkeeping_exchangerate_import")


def upload(content: bytes, name: str = "rates.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_console_previews_the_file_and_saves_it_on_confirmation(
    admin_client, import_url, account, shop, eager, django_capture_on_commit_callbacks
):
    billbee_id = swiss_export(account)
    import_and_book(shop)
    rate("CHF", date(2026, 9, 1), "0.9400")
    listing = admin_client.get(reverse("admin:bookkeeping_exchangerate_changelist"))
    assert import_url in listing.content.decode()

    data = b"currency;month;rate\nCHF;2026-09;0,9400\nCHF;2026-10;0,9370\n"
    preview = admin_client.post(import_url, {"file": upload(data), "kind": "", "year": ""})

    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Preview: 1 to create, 0 to update, 1 unchanged" in page
    assert ExchangeRate.objects.count() == 1  # nothing saved yet
    hidden = {k: "" if v is None else v for k, v in preview.context["confirm"].initial.items()}
    assert f'value="{hidden["content"]}"' in page  # the page carries the file to confirm
    with django_capture_on_commit_callbacks(execute=True):
        saved = admin_client.post(import_url, {**hidden, "_confirm": "Save"}, follow=True)

    assert saved.redirect_chain[-1][0] == reverse("admin:bookkeeping_exchangerate_changelist")
    assert "Exchange rates: 1 created, 0 updated, 1 unchanged." in saved.content.decode()
    assert ExchangeRate.objects.get(day=date(2026, 10, 1)).rate == Decimal("0.937")
    assert booking(billbee_id).entry.exchange_rate == Decimal("0.937")


def test_the_console_lists_every_bad_line_and_saves_nothing(admin_client, import_url):
    response = admin_client.post(
        import_url,
        {"file": upload((SAMPLES / "bad_bmf.csv").read_bytes()), "kind": "", "year": "2026"},
    )

    page = response.content.decode()
    assert "4 problems" in page
    assert "line 3 (Japan), 02/2026: &#x27;n/a&#x27; is not a rate" in page
    assert 'name="_confirm"' not in page
    assert ExchangeRate.objects.count() == 0


def test_only_users_who_may_add_and_change_rates_can_import(client, django_user_model, import_url):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_exchangerate"))
    client.force_login(user)
    listing = client.get(reverse("admin:bookkeeping_exchangerate_changelist"))
    data = {"file": upload(b"currency;month;rate\nCHF;2026-10;0,9370\n"), "kind": ""}

    assert listing.status_code == 200
    assert import_url not in listing.content.decode()
    assert client.get(import_url).status_code == 403
    assert client.post(import_url, data).status_code == 403
    assert ExchangeRate.objects.count() == 0

    user.user_permissions.add(Permission.objects.get(codename="add_exchangerate"))
    assert client.get(import_url).status_code == 403  # an import also corrects rates
    user.user_permissions.add(Permission.objects.get(codename="change_exchangerate"))
    assert client.get(import_url).status_code == 200


def test_a_monthly_rate_entered_by_hand_is_stored_on_the_first_of_its_month(
    admin_client, static_root
):
    add = reverse("admin:bookkeeping_exchangerate_add")
    assert admin_client.get(add).context["adminform"].form.initial["kind"] == MONTHLY

    admin_client.post(
        add,
        {
            "currency": "CHF",
            "day": "2026-11-15",
            "kind": "monthly",
            "rate": "0.9315",
            "source": "BMF",
        },
    )

    assert stored() == [("CHF", date(2026, 11, 1), "monthly", Decimal("0.9315"), "BMF")]
