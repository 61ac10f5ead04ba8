"""The set-up wizard of a new connection (docs/onboarding.md): its progress, and the writes
and reads behind its steps that no other service does yet.

1. Billbee access (the form saves it; ``onboarding_connection_created`` then adds the default
   exclusion rules and keeps the schedule off until the last step).
2. Connection test (``connection_test``).
3. Books: chart (``chart_lock_reason``, ``chart_replace``) and the DATEV numbers.
4. Channels and start date (``shop_accounts_read``, ``default_exclusions_set``).
5. Debtor accounts (``debtor_preset``; saving goes through ``debtor_mapping_assign``).
6. Dry run of the first import (``onboarding_dry_run``).
7. Schedule, and finished (``onboarding_finish``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from billbee.client import BillbeeClient
from billbee.dto import Order, Page, ShopAccount, parse_order
from billbee.enums import payment_type_name
from billbee.errors import BillbeeDataError, BillbeeError

from .. import classify
from ..errors import ConnectorError
from ..models import DEFAULT_EXCLUDED_PLATFORMS, ChannelRule, Connection
from ..windows import local_midnight
from .channels import ChannelRegistry, settings_snapshot
from .connections import connection_client, explain
from .imports import ImportResult, orders_import

STEPS = 7
FINISHED = STEPS

# The dry run reads at most this many days of changes after the start date, inside the web
# request: about one Billbee request per day and page of 250 orders, at 2 requests a second.
DRY_RUN_DAYS = 7


def onboarding_connection_created(connection: Connection) -> None:
    """A connection made by the wizard: the default exclusion rules, and no scheduled import
    before the set-up is finished (its last step switches the schedule on)."""
    from .channels import channel_rules_create_defaults

    channel_rules_create_defaults(connection)
    Connection.objects.filter(pk=connection.pk).update(schedule_enabled=False, onboarding_step=2)
    connection.schedule_enabled, connection.onboarding_step = False, 2


def onboarding_advance(connection: Connection, step: int) -> None:
    """Remember that ``step`` was reached; the progress only moves forward."""
    step = min(step, STEPS)
    if Connection.objects.filter(pk=connection.pk, onboarding_step__lt=step).update(
        onboarding_step=step
    ):
        connection.onboarding_step = step


def onboarding_finish(connection: Connection, now: datetime | None = None) -> None:
    now = now or timezone.now()
    Connection.objects.filter(pk=connection.pk).update(onboarding_step=FINISHED, onboarded_at=now)
    connection.onboarding_step, connection.onboarded_at = FINISHED, now


def onboarding_access_changed(connection: Connection) -> None:
    """The Billbee access changed: the last test says nothing about it any more."""
    Connection.objects.filter(pk=connection.pk).update(last_test_ok=None)
    connection.last_test_ok = None


def connections_not_onboarded() -> QuerySet[Connection]:
    """Connections whose set-up wizard is not finished (the dashboard links them to it)."""
    return Connection.objects.filter(onboarded_at__isnull=True)


# ---------------------------------------------------------------- step 3: the chart


class ChartLocked(ConnectorError):
    pass


def chart_lock_reason(connection: Connection) -> str | None:
    """Why the chart can no longer change (entries were booked to its accounts), or None."""
    from django.utils.translation import ngettext

    from bookkeeping.models import JournalEntry

    booked = JournalEntry.objects.filter(connection=connection).count()
    if not booked:
        return None
    return ngettext(
        "The books already hold %(count)s journal entry booked to %(chart)s accounts: the "
        "chart of accounts can no longer be changed (the entry and the DATEV files sent keep "
        "their accounts).",
        "The books already hold %(count)s journal entries booked to %(chart)s accounts: the "
        "chart of accounts can no longer be changed (the entries and the DATEV files sent keep "
        "their accounts).",
        booked,
    ) % {"count": booked, "chart": connection.get_chart_display()}


def chart_replace(connection: Connection, chart: str) -> bool:
    """Switch to ``chart`` and replace the preset accounts and revenue/VAT accounts with the
    new chart's, before anything is booked. Returns whether the chart changed; raises
    ``ChartLocked`` once entries exist."""
    from bookkeeping.models import Account, ForeignRegistration, TaxAccount
    from bookkeeping.services.setup import bookkeeping_settings, chart_preset_load

    if chart == connection.chart:
        return False
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        reason = chart_lock_reason(locked)
        if reason:
            raise ChartLocked(reason)
        bookkeeping_settings(locked)
        # Every account of the old chart's preset has another number in the new one: the
        # old rows would only be wrong accounts to book to.
        for model in (Account, TaxAccount, ForeignRegistration):
            model.objects.filter(connection=locked).delete()
        Connection.objects.filter(pk=locked.pk).update(chart=chart)
        connection.chart = locked.chart = chart
        chart_preset_load(locked)
    return True


def books_numbers_save(
    connection: Connection,
    *,
    consultant_number: int,
    client_number: int,
    fiscal_year_start_month: int,
) -> None:
    """The DATEV header numbers and the fiscal year, validated by the settings model."""
    from bookkeeping.services.setup import bookkeeping_settings

    books = bookkeeping_settings(connection)
    books.consultant_number = consultant_number
    books.client_number = client_number
    books.fiscal_year_start_month = fiscal_year_start_month
    books.full_clean()
    books.save(
        update_fields=[
            "consultant_number",
            "client_number",
            "fiscal_year_start_month",
            "updated_at",
        ]
    )


# ---------------------------------------------------------------- step 4: channels


@dataclass(frozen=True)
class DefaultExclusion:
    platform: str
    excluded: bool


def default_exclusions(connection: Connection) -> list[DefaultExclusion]:
    """The platforms with their own ledger integration and whether their default exclusion
    rule is in force for the connection."""
    kept = set(
        ChannelRule.objects.filter(
            connection=connection, is_default=True, action=ChannelRule.Action.EXCLUDE
        ).values_list("platform", flat=True)
    )
    return [DefaultExclusion(p, p in kept) for p in DEFAULT_EXCLUDED_PLATFORMS]


def default_exclusions_set(connection: Connection, excluded: set[str]) -> bool:
    """Keep the default exclusion rule of each platform in ``excluded``, delete the others'
    (their orders are then imported). Rules the operator made are not touched. Returns
    whether anything changed."""
    from django.utils.translation import gettext as _

    changed = False
    with transaction.atomic():
        for platform in DEFAULT_EXCLUDED_PLATFORMS:
            rules = ChannelRule.objects.filter(
                connection=connection,
                is_default=True,
                action=ChannelRule.Action.EXCLUDE,
                platform=platform,
            )
            if platform in excluded and not rules.exists():
                ChannelRule.objects.create(
                    connection=connection,
                    action=ChannelRule.Action.EXCLUDE,
                    platform=platform,
                    is_default=True,
                    note=_("default: usually booked through the ledger's direct integration"),
                )
                changed = True
            elif platform not in excluded and rules.exists():
                rules.delete()
                changed = True
    return changed


def channels_and_start_date_save(
    connection: Connection, *, excluded: set[str], start_date: date
) -> None:
    default_exclusions_set(connection, excluded)
    if connection.import_start_date != start_date:
        connection.import_start_date = start_date
        connection.full_clean()
        connection.save(update_fields=["import_start_date", "updated_at"])


def shop_accounts_read(connection: Connection) -> tuple[list[ShopAccount], str]:
    """The shop connections of the Billbee account (GET /shopaccounts), or the explained
    reason they could not be read."""
    try:
        client = connection_client(connection)
    except ConnectorError as exc:
        return [], str(exc)
    try:
        return [s for page in client.iter_shop_accounts() for s in page.items], ""
    except BillbeeError as exc:
        return [], explain(exc, connection, "/shopaccounts")
    finally:
        client.close()


# ---------------------------------------------------------------- step 5: debtors


def debtor_preset(connection: Connection) -> dict[str, int]:
    """A debtor account for every origin whose mapping has none yet: the next free numbers
    from the chart's first debtor (10000), one per origin (all its payment methods)."""
    from bookkeeping.charts import CHARTS, DEBTOR_RANGE
    from bookkeeping.models import CustomerDebtor, DebtorMapping

    mappings = DebtorMapping.objects.filter(connection=connection)
    used = set(mappings.exclude(account=None).values_list("account", flat=True))
    used |= set(
        CustomerDebtor.objects.filter(connection=connection).values_list("account", flat=True)
    )
    assigned: dict[str, int] = {
        origin: account
        for origin, account in mappings.values_list("origin", "account")
        if account is not None
    }
    open_origins = sorted(set(mappings.filter(account=None).values_list("origin", flat=True)))
    proposals: dict[str, int] = {}
    number = CHARTS[connection.chart].first_debtor
    for origin in open_origins:
        if origin in assigned:  # another payment method of it has one: the same
            proposals[origin] = assigned[origin]
            continue
        while number in used:
            number += 1
        if number > DEBTOR_RANGE[1]:
            break
        proposals[origin] = number
        used.add(number)
    return proposals


def debtor_per_customer(connection: Connection) -> bool:
    from bookkeeping.services.setup import bookkeeping_settings

    return bookkeeping_settings(connection).debtor_per_customer


@dataclass(frozen=True)
class DebtorRow:
    mapping_id: int
    origin: str
    payment_method: str
    account: int | None
    proposed: bool  # the account shown is the preset's proposal, not stored yet
    initial: dict[str, Any]


def debtor_rows(connection: Connection) -> list[DebtorRow]:
    """The connection's debtor mapping, each row without an account showing the preset's
    proposal (saved only when the operator saves the step)."""
    from bookkeeping.models import DebtorMapping

    proposals = debtor_preset(connection)
    rows = []
    for mapping in DebtorMapping.objects.filter(connection=connection):
        proposal = proposals.get(mapping.origin) if mapping.account is None else None
        account = mapping.account if mapping.account is not None else proposal
        name = mapping.name or (_debtor_name(mapping.origin, connection.label) if proposal else "")
        method = (
            payment_type_name(mapping.payment_method)
            if mapping.payment_method != DebtorMapping.ANY_PAYMENT_METHOD
            else ""
        )
        rows.append(
            DebtorRow(
                mapping.pk,
                mapping.origin,
                method,
                account,
                proposal is not None,
                {"mapping": mapping.pk, "account": account, "name": name},
            )
        )
    return rows


def _debtor_name(origin: str, label: str) -> str:
    """The origin without the interface label: "Shopify Möbel Verkauf 24"."""
    rest = origin[len(label) :] if origin.startswith(label) else origin
    return " ".join(part for part in rest.split("-") if part)[:50]


def debtor_rows_save(connection: Connection, rows: list[dict[str, Any]]) -> int:
    """Store the accounts and names of the step's rows (one transaction); the documents that
    waited for them are booked on a worker. Returns how many rows got a new account. Raises
    ``ValidationError`` with the model's reasons; nothing is stored then."""
    from bookkeeping.models import DebtorMapping
    from bookkeeping.services.debtor_mapping import debtor_mapping_assign

    mappings = {m.pk: m for m in DebtorMapping.objects.filter(connection=connection)}
    assigned = 0
    with transaction.atomic():
        for row in rows:
            mapping = mappings.get(row.get("mapping") or 0)
            if mapping is None:
                continue  # removed meanwhile
            account, name = row.get("account"), row.get("name") or ""
            if account is None:
                if mapping.account is not None or mapping.name != name:
                    DebtorMapping.objects.filter(pk=mapping.pk).update(account=None, name=name)
                continue
            if (account, name) != (mapping.account, mapping.name):
                done = debtor_mapping_assign(
                    connection, mapping.origin, mapping.payment_method, account, name
                )
                assigned += "account" in done.changed
    return assigned


# ---------------------------------------------------------------- step 6: the dry run


class _ReadingRecorder:
    """The connection's Billbee client, also noting every order the dry run reads: the import
    service decides about them, the wizard needs their channel and payment method too."""

    def __init__(self, client: BillbeeClient, connection: Connection) -> None:
        self._client = client
        self._zone = connection.billbee_zone
        self.orders: dict[int, Order] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def iter_order_records(self, **kwargs: Any) -> Iterator[Page]:
        for page in self._client.iter_order_records(**kwargs):
            for record in page.items:
                try:
                    order = parse_order(record.raw, self._zone, text=record.text)
                except BillbeeDataError:
                    continue  # the import rejects it with its reason
                self.orders[order.billbee_order_id] = order
            yield page


@dataclass
class ChannelPreview:
    platform: str
    shop_name: str
    origin: str
    read: int = 0
    accepted: int = 0
    excluded: int = 0


@dataclass
class DebtorWait:
    origin: str
    payment_method: int
    payment_method_name: str
    documents: int


@dataclass
class DryRunPreview:
    since: datetime
    until: datetime
    result: dict[str, Any]
    examples: list[dict[str, Any]]
    channels: list[ChannelPreview] = field(default_factory=list)
    waiting_for_debtor: list[DebtorWait] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result["state"] == "succeeded"

    @property
    def accepted(self) -> int:
        return sum(self.result[k] for k in ("imported", "updated", "unchanged"))


def dry_run_span(connection: Connection, now: datetime, days: int) -> tuple[datetime, datetime]:
    """The first ``days`` days the first import would read (from the start date's midnight),
    and never later than now minus the safety lag."""
    since = local_midnight(connection.import_start_date, connection.zoneinfo)
    latest = now - timedelta(minutes=connection.safety_lag_minutes)
    until = min(since + timedelta(days=days), latest)
    return since, until


def onboarding_dry_run(
    connection: Connection, *, now: datetime | None = None, days: int = DRY_RUN_DAYS
) -> DryRunPreview:
    """What the first import would do with the orders changed in its first ``days`` days:
    decided by the import service with ``dry_run`` (no document is written, the watermark
    stays), plus the channels read and the documents that would wait for a debtor account.
    The channels and the origins without a debtor are registered, as the import and the
    booking would, so that the channel and debtor steps list them."""
    now = now or timezone.now()
    since, until = dry_run_span(connection, now, days)
    if until <= since:
        from django.utils.translation import gettext as _

        raise ConnectorError(
            _("The start date %(day)s is in the future: there is nothing to read yet.")
            % {"day": connection.import_start_date.isoformat()}
        )
    recorder = _ReadingRecorder(connection_client(connection), connection)
    try:
        result = orders_import(
            connection,
            since=since,
            until=until,
            dry_run=True,
            client=cast(BillbeeClient, recorder),
            now=now,
        )
    finally:
        recorder.close()
    statuses = _statuses(connection, result, recorder.orders)
    accepted = [recorder.orders[i] for i, s in statuses.items() if s in classify.ACCEPTED]
    return DryRunPreview(
        since=since,
        until=until,
        result=result.as_dict(),
        examples=_examples(result),
        channels=_channels(connection, recorder.orders, statuses),
        waiting_for_debtor=_waiting_for_debtor(connection, accepted),
    )


def _examples(result: ImportResult) -> list[dict[str, Any]]:
    from ..models import ExternalOrder

    labels = dict(ExternalOrder.Status.choices)
    return [
        {**change, "after_label": str(labels.get(change["after"], change["after"]))}
        for change in result.tally.changes[:10]
    ]


def _statuses(
    connection: Connection, result: ImportResult, orders: dict[int, Order]
) -> dict[int, str]:
    """Each read order's decision: the import's (its list of changes holds up to 200), else
    decided again the same way from the order (only a credit note's original may differ)."""
    statuses = {c["billbee_order_id"]: c["after"] for c in result.tally.changes}
    settings = settings_snapshot(connection)
    for billbee_id, order in orders.items():
        if billbee_id not in statuses:
            statuses[billbee_id] = classify.classify(order, settings, None, None, True).status
    return statuses


def _channels(
    connection: Connection, orders: dict[int, Order], statuses: dict[int, str]
) -> list[ChannelPreview]:
    registry = ChannelRegistry(connection)
    channels: dict[tuple[str, str, int], ChannelPreview] = {}
    for billbee_id, order in orders.items():
        key = (order.platform or "", order.shop_name or "", order.shop_id or 0)
        preview = channels.get(key)
        if preview is None:
            registry.get(order.platform, order.shop_name, order.shop_id)
            origin = classify.origin_of(connection.label, order.platform, order.shop_name)
            preview = channels[key] = ChannelPreview(key[0], key[1], origin)
        preview.read += 1
        status = statuses.get(billbee_id)
        preview.accepted += status in classify.ACCEPTED
        preview.excluded += status == classify.EXCLUDED
    return sorted(channels.values(), key=lambda c: (-c.read, c.platform, c.shop_name))


def _waiting_for_debtor(connection: Connection, accepted: list[Order]) -> list[DebtorWait]:
    """The accepted documents whose origin and payment method have no debtor account: the
    booking would hold them until one is assigned (Bookkeeping → Debtor mapping)."""
    from bookkeeping.models import DebtorMapping
    from bookkeeping.services.setup import bookkeeping_settings

    if bookkeeping_settings(connection).debtor_per_customer:
        return []  # every customer gets an account of their own
    any_method = DebtorMapping.ANY_PAYMENT_METHOD
    mapped = {
        (m.origin, m.payment_method): m.account
        for m in DebtorMapping.objects.filter(connection=connection)
    }
    waiting: Counter[tuple[str, int]] = Counter()
    for order in accepted:
        origin = classify.origin_of(connection.label, order.platform, order.shop_name)
        method = order.payment_method or any_method
        if not (mapped.get((origin, method)) or mapped.get((origin, any_method))):
            waiting[(origin, method)] += 1
    for origin, method in waiting:
        if (origin, method) not in mapped:
            DebtorMapping.objects.get_or_create(
                connection=connection,
                origin=origin,
                payment_method=method,
                defaults={"payment_method_name": payment_type_name(method)[:100]},
            )
    return [
        DebtorWait(origin, method, payment_type_name(method), count)
        for (origin, method), count in sorted(waiting.items())
    ]


# The order the dry run's outcomes are shown in.
_STATUS_ORDER = (
    classify.IMPORTED,
    classify.UPDATED,
    classify.UNCHANGED,
    classify.WAITING,
    classify.SKIPPED,
    classify.EXCLUDED,
    classify.REJECTED,
)


def dry_run_status_rows(preview: DryRunPreview) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """(status label, documents, [(reason, documents) …]) per status that occurred."""
    from ..models import ExternalOrder

    labels = dict(ExternalOrder.Status.choices)
    result = preview.result
    rows = []
    for status in _STATUS_ORDER:
        count = result.get(status)
        reasons: dict[str, int] = {}
        if isinstance(count, dict):  # skipped, excluded, rejected: reason → documents
            reasons = count
            count = sum(reasons.values())
        if count:
            ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            rows.append((str(labels.get(status, status)), int(count), ordered))
    return rows
