"""A connection's bookkeeping set-up: settings, and the chart preset it starts with."""

from __future__ import annotations

from django.db import transaction

from connector.models import Connection

from ..charts import CHARTS, Chart
from ..models import Account, BookkeepingSettings, TaxAccount


def chart_of(connection: Connection) -> Chart:
    return CHARTS[connection.chart]


def bookkeeping_settings(connection: Connection) -> BookkeepingSettings:
    """The connection's settings; created with the chart preset the first time."""
    try:
        return connection.bookkeeping  # type: ignore[no-any-return]
    except BookkeepingSettings.DoesNotExist:
        pass
    with transaction.atomic():
        settings, created = BookkeepingSettings.objects.get_or_create(
            connection=connection, defaults={"home_country": connection.sender_country}
        )
        if created:
            chart_preset_load(connection)
    connection.bookkeeping = settings
    return settings


def chart_preset_load(connection: Connection) -> tuple[int, int]:
    """Add the preset accounts and revenue/VAT mappings of the connection's chart that it
    does not have yet. Never changes or removes what the operator edited. Returns how many
    accounts and mappings were added."""
    chart = chart_of(connection)
    have = set(Account.objects.filter(connection=connection).values_list("number", flat=True))
    accounts = [
        Account(
            connection=connection,
            number=a.number,
            name=a.name,
            kind=a.kind,
            automatic=a.automatic,
        )
        for a in chart.accounts
        if a.number not in have
    ]
    Account.objects.bulk_create(accounts)
    mapped = set(TaxAccount.objects.filter(connection=connection).values_list("case", "rate"))
    mappings = [
        TaxAccount(
            connection=connection,
            case=m.case.value,
            rate=m.rate,
            revenue_account=m.revenue,
            vat_account=m.vat,
            bu_key=m.bu_key,
            discount_account=m.discount,
        )
        for m in chart.mappings
        if (m.case.value, m.rate) not in mapped
    ]
    TaxAccount.objects.bulk_create(mappings)
    return len(accounts), len(mappings)


def rounding_account(settings: BookkeepingSettings) -> int:
    return settings.rounding_account or chart_of(settings.connection).rounding


def coupon_account(settings: BookkeepingSettings) -> int:
    return settings.coupon_account or chart_of(settings.connection).coupons
