"""Deciding how one document is booked: treatment, debtor, accounts, dates, lines.

``booking_decide`` returns a ``Booking`` (the entry to post) or raises ``Hold`` (the document
waits or is rejected, with the reason). It reads what it needs from a ``BookingContext``
loaded once per run; it writes nothing but debtor-mapping rows for origins seen first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import translation

from billbee.dto import Order
from connector.classify import CANCELLED_STATES
from connector.models import Connection, ExternalOrder
from connector.texts import Text, stored_text

from .. import plausibility, sources
from ..errors import Hold
from ..models import (
    Account,
    BookkeepingSettings,
    CouponRule,
    DocumentBooking,
    ExportBatch,
    ForeignRegistration,
    JournalEntry,
    TaxAccount,
)
from ..posting import Accounts, Plan, PlanInput, PlanProblem, entry_plan, month_of
from ..selectors import distance_sales
from ..vat import Case, Treatment, VatHeld, VatRejected, vat_treatment
from ..vat.crosscheck import (
    business_customer_note,
    seller_vat_id_problem,
    vat_flags_disagreement,
)
from ..vat.model import NOT_TAXABLE_AT_HOME
from .debtors import DebtorBook
from .entries import EntryValues
from .rates import RateChoice, exchange_rate_lookup, rate_on_or_before
from .setup import chart_of, coupon_account, rounding_account

WAITING = DocumentBooking.Status.WAITING
REJECTED = DocumentBooking.Status.REJECTED
ONE_CENT = Decimal("0.01")


@dataclass
class BookingContext:
    connection: Connection
    settings: BookkeepingSettings
    now: datetime
    accounts: dict[tuple[str, Decimal | None], Accounts] = field(default_factory=dict)
    automatic: frozenset[int] = frozenset()
    debtors: DebtorBook | None = None
    exported_months: set[str] = field(default_factory=set)
    vat: sources.VatSettings | None = None
    writer: Any = None  # a BackgroundWriter while a run writes through one
    # What each document whose background write failed had been counted as.
    failed_writes: list[tuple[str, ...]] = field(default_factory=list)
    _rates: dict[tuple[str, str, date], tuple[date, Decimal] | None] = field(default_factory=dict)
    _distance: dict[int, Decimal] = field(default_factory=dict)
    registrations: dict[str, ForeignRegistration] = field(default_factory=dict)
    # Invoice numbers that more than one accepted document carries → those documents.
    duplicates: dict[str, list[plausibility.Holder]] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return self.connection.zoneinfo

    @classmethod
    def load(
        cls, connection: Connection, settings: BookkeepingSettings, now: datetime
    ) -> BookingContext:
        ctx = cls(connection, settings, now)
        ctx.reload()
        return ctx

    def reload(self) -> None:
        """(Re)read the mappings, e.g. after the operator assigned an account."""
        connection, settings = self.connection, self.settings
        self.accounts = {
            (t.case, t.rate): Accounts(
                t.revenue_account,
                t.vat_account,
                t.bu_key,
                t.shipping_account,
                t.discount_account,
                t.voucher_account,
            )
            for t in TaxAccount.objects.filter(connection=connection)
        }
        self.automatic = frozenset(
            Account.objects.filter(connection=connection, automatic=True).values_list(
                "number", flat=True
            )
        )
        self.debtors = DebtorBook(connection, settings)
        self.exported_months = {
            month_of(day)
            for day in ExportBatch.objects.filter(connection=connection, reexport=False)
            .values_list("period_from", flat=True)
            .distinct()
        }
        self.registrations = {
            r.country: r for r in ForeignRegistration.objects.filter(connection=connection)
        }
        self.duplicates = _duplicate_numbers(connection)
        self.vat = sources.VatSettings(
            home_country=settings.home_country,
            sender_country=connection.sender_country,
            oss_since=settings.oss_registered_since,
            small_business=settings.small_business,
            origin_vat_ids={
                country: registration.vat_id
                for country, registration in self.registrations.items()
                if registration.vat_id
            },
            coupons=sources.CouponPolicy(
                default=settings.coupon_kind,
                rules=tuple(
                    sources.CouponRule(rule.text, rule.kind)
                    for rule in CouponRule.objects.filter(connection=connection)
                ),
            ),
        )

    def registration(self, country: str) -> ForeignRegistration:
        """The merchant's registration in ``country``; registered with the chart's accounts
        the first time a sale ships from there."""
        if country not in self.registrations:
            preset = chart_of(self.connection).foreign
            self.registrations[country], _ = ForeignRegistration.objects.get_or_create(
                connection=self.connection,
                country=country,
                defaults={
                    "local_account": preset.local,
                    "ic_supply_account": preset.ic_supply,
                    "export_account": preset.export,
                    "vat_account": preset.vat,
                },
            )
        return self.registrations[country]

    def distance_total(self, year: int) -> Decimal:
        """Net intra-community distance sales of ``year`` in the books (§ 3c (4) UStG), kept
        up to date by the run as it posts."""
        if year not in self._distance:
            sales = distance_sales(self.connection, date(year, 1, 1), date(year, 12, 31))
            self._distance[year] = sum((s.net for s in sales), Decimal(0))
        return self._distance[year]

    def distance_add(self, year: int, net: Decimal) -> None:
        self._distance[year] = self.distance_total(year) + net

    def exchange_rate(self, currency: str, service_day: date | None, day: date) -> RateChoice:
        return exchange_rate_lookup(
            self.settings.exchange_rate_source, currency, service_day, day, self._find_rate
        )

    def _find_rate(self, kind: str, currency: str, day: date) -> tuple[date, Decimal] | None:
        key = (kind, currency, day)
        if key not in self._rates:
            self._rates[key] = rate_on_or_before(kind, currency, day)
        return self._rates[key]


@dataclass
class Original:
    """A credit note's original: its parsed order and its booking."""

    order: Order | None
    booking: DocumentBooking | None
    label: str


@dataclass
class Booking:
    values: EntryValues
    plan: Plan
    treatment: Treatment
    trace: list[str]
    warnings: list[str]


def _duplicate_numbers(connection: Connection) -> dict[str, list[plausibility.Holder]]:
    """The accepted documents of every invoice number that more than one of them carries
    (one grouped query per run; numbers in their printed form, as stored)."""
    accepted = ExternalOrder.objects.filter(
        connection=connection, status__in=ExternalOrder.ACCEPTED
    ).exclude(invoice_number="")
    numbers = list(
        accepted.order_by()
        .values("invoice_number")
        .annotate(documents=Count("pk"))
        .filter(documents__gt=1)
        .values_list("invoice_number", flat=True)
    )
    found: dict[str, list[plausibility.Holder]] = {}
    rows = (
        accepted.filter(invoice_number__in=numbers)
        .order_by("billbee_order_id")
        .values_list("pk", "billbee_order_id", "order_number", "invoice_number", "booking__status")
    )
    for pk, billbee_id, order_number, number, status in rows:
        booked = status == DocumentBooking.Status.BOOKED
        found.setdefault(number, []).append(
            plausibility.Holder(pk, billbee_id, order_number, booked)
        )
    return found


def booking_decide(
    ctx: BookingContext,
    document: ExternalOrder,
    order: Order,
    source_hash: str,
    original: Original | None,
) -> Booking:
    trace: list[str] = []
    is_credit = document.kind == ExternalOrder.Kind.CREDIT_NOTE
    number = _document_number(document)
    _unique_number(ctx, document, number)
    currency = _plausible(ctx, order, is_credit, trace)
    day = _booking_date(ctx, order)
    credit_for = _credited_entry(original, trace) if is_credit else None
    context_order = original.order if is_credit and original and original.order else order
    treatment = _treatment(ctx, order, context_order, trace, mirrors=is_credit)
    notes = _cross_checks(ctx, document, order, treatment, trace, mirrors=is_credit)
    debtor = _debtor(ctx, document, order, trace)
    rate = _exchange_rate(ctx, order, currency, day, trace)
    accounts = _accounts(ctx, context_order, treatment, trace)
    plan = _plan(ctx, order, treatment, debtor, rate, accounts)
    trace.extend(plan.trace)
    service = sources.service_date(order, ctx.tz)
    kind_word = "Gutschrift" if is_credit else "Rechnung"
    values = EntryValues(
        kind=JournalEntry.Kind.CREDIT_NOTE if is_credit else JournalEntry.Kind.INVOICE,
        number=number,
        document_date=day,
        service_date=service,
        text=sources.booking_text(kind_word, order),
        origin=document.origin,
        order_number=order.order_number or "",
        billbee_order_id=order.billbee_order_id,
        case=treatment.case.value,
        debtor=debtor,
        document_total=order.total_cost.quantize(ONE_CENT, ROUND_HALF_UP),
        source_hash=source_hash,
        plan_hash="",
        reference=credit_for.number if credit_for else "",
        eu_destination=treatment.eu_destination,
        eu_origin=treatment.eu_origin,
        origin_rate=treatment.origin_rate,
        currency=currency,
        exchange_rate=rate,
        credit_for_id=credit_for.pk if credit_for else None,
        booked_after_export=month_of(day) in ctx.exported_months,
    )
    # The Leistungsdatum decides the VAT period (bookkeeping.md §5): a ship date that moves
    # within the same month books nothing new.
    values.plan_hash = plan.fingerprint(
        number,
        day,
        month_of(service),
        values.text,
        values.case,
        values.eu_destination,
        values.eu_origin,
        values.currency,
        values.reference,
    )
    warnings = [*treatment.warnings, *notes]
    return Booking(values, plan, treatment, trace, warnings)


def _document_number(document: ExternalOrder) -> str:
    number = document.invoice_number
    if not number:
        raise Hold(WAITING, "no_invoice_number", Text("no invoice number yet"))
    if len(number) > 36:
        raise Hold(
            REJECTED,
            "number_too_long",
            Text(
                "the invoice number {number} is longer than DATEV's 36 characters (Belegfeld 1): "
                "shorten the invoice number format in Billbee",
                number=number,
            ),
        )
    return number


def _unique_number(ctx: BookingContext, document: ExternalOrder, number: str) -> None:
    holders = ctx.duplicates.get(number)
    if not holders:
        return
    own = next((h for h in holders if h.pk == document.pk), None)
    reason = plausibility.duplicate_reason(number, document.pk, bool(own and own.booked), holders)
    if reason:
        raise Hold(WAITING, "duplicate_invoice_number", reason)


def _plausible(ctx: BookingContext, order: Order, is_credit: bool, trace: list[str]) -> str:
    """Hold an implausible document; returns its currency code."""
    today = ctx.now.astimezone(ctx.tz).date()
    problem = plausibility.invoice_date_problem(order, ctx.tz, today)
    if problem is None and not is_credit:
        problem = plausibility.quantity_problem(order)
    currency, note, currency_problem = plausibility.currency_of(order)
    problem = problem or currency_problem
    if problem is not None:
        raise Hold(WAITING, problem.code, problem.reason)
    assert currency is not None
    if note:
        trace.append(note)
    return currency


def _booking_date(ctx: BookingContext, order: Order) -> date:
    day, missing = sources.document_date(order, ctx.settings.document_date, ctx.tz)
    if day is None:
        raise Hold(WAITING, f"no_{ctx.settings.document_date}_date", missing)
    return day


def stored_status(record: ExternalOrder | DocumentBooking) -> str:
    """The record's status in English, for reasons and notes that are stored: the status
    labels are translated for the console, stored text is not (whatever language the request
    or the worker runs in)."""
    with translation.override(None):
        return str(record.get_status_display())


# The statuses' English labels (as ``stored_status`` writes them), to say them again in the
# reader's language inside a stored sentence.
_STATUS_WORDS = {
    str(word): word
    for word in (
        Text("imported"),
        Text("updated"),
        Text("unchanged"),
        Text("skipped"),
        Text("excluded"),
        Text("rejected"),
        Text("waiting for invoice"),
        Text("booked"),
        Text("waiting"),
        Text("reversed (left the books)"),
        Text("nothing to book"),
    )
}


def status_word(record: ExternalOrder | DocumentBooking) -> str:
    """The record's status for a stored sentence: its English label (``stored_status``),
    which the console says again in the reader's language."""
    english = stored_status(record)
    return _STATUS_WORDS.get(english, english)


def stored_reason(record: ExternalOrder | DocumentBooking) -> str:
    """The record's stored reason for a sentence that quotes it: the reason's ``Text`` when
    its data was read with the record (annotated as ``reason_data``) and gives it back, so
    that the console says the quote in the reader's language too; else the English."""
    return stored_text(record.reason, getattr(record, "reason_data", None))


def _credited_entry(original: Original | None, trace: list[str]) -> JournalEntry | None:
    booking = original.booking if original else None
    label = original.label if original else "?"
    if booking is None or booking.status != DocumentBooking.Status.BOOKED or not booking.entry:
        if booking is None:
            reason = Text(
                "the original invoice {label} is not booked yet; booked as soon as it is",
                label=label,
            )
        else:
            reason = Text(
                "the original invoice {label} is not booked yet ({status}: {reason}); booked "
                "as soon as it is",
                label=label,
                status=status_word(booking),
                reason=stored_reason(booking),
            )
        raise Hold(WAITING, "original_not_booked", reason)
    trace.append(
        Text("credit note for {number}: mirrors its VAT treatment", number=booking.entry.number)
    )
    return booking.entry


def _treatment(
    ctx: BookingContext, order: Order, context_order: Order, trace: list[str], *, mirrors: bool
) -> Treatment:
    """The VAT treatment. VAT that differs from Billbee's invoice holds the document, unless it
    only mirrors another: a credit note follows its original's booking, and an invoice that
    Billbee cancelled (or deleted) is cancelled by its credit note with the same treatment, so
    the pair cancels out whatever Billbee charged."""
    assert ctx.vat is not None
    context = sources.vat_context(context_order, ctx.tz, ctx.connection.sender_country)
    if context is None:
        raise Hold(
            WAITING,
            "no_service_date",
            Text("no date of supply: neither shipped nor invoiced"),
        )
    cancelled = order.state in CANCELLED_STATES
    hold = not mirrors and not cancelled
    try:
        treatment = vat_treatment(sources.vat_input(order, context, ctx.vat, hold_differences=hold))
    except VatHeld as exc:
        raise Hold(WAITING, exc.code, exc.reason) from None
    except VatRejected as exc:
        raise Hold(REJECTED, exc.code, exc.reason) from None
    if cancelled and not mirrors:
        trace.append(
            Text(
                "cancelled in Billbee after invoicing: booked with this treatment even where "
                "Billbee's VAT differs, because its credit note reverses it with the same "
                "treatment"
            )
        )
    trace.extend(sources.coupon_notes(order, ctx.vat.coupons))
    trace.extend(treatment.trace)
    return treatment


def _cross_checks(
    ctx: BookingContext,
    document: ExternalOrder,
    order: Order,
    treatment: Treatment,
    trace: list[str],
    *,
    mirrors: bool,
) -> list[str]:
    """What Billbee printed against the treatment: the seller VAT ID on the invoice, the
    register's VAT flags (not for documents that only mirror another), the customer type.
    Raises ``Hold``; returns notes for a person."""
    settings = ctx.settings
    ship_from = (order.delivery_source_country_code or ctx.connection.sender_country).upper()[:2]
    problem = seller_vat_id_problem(
        order.merchant_vat_id,
        ship_from,
        settings.home_country,
        settings.vat_id,
        {country: r.vat_id for country, r in ctx.registrations.items()},
    )
    if problem:
        raise Hold(WAITING, "seller_vat_id", problem)
    if order.merchant_vat_id:
        trace.append(
            Text(
                "seller VAT ID {vat_id} on the invoice: the merchant's",
                vat_id=order.merchant_vat_id,
            )
            if settings.vat_id
            else Text(
                "seller VAT ID {vat_id} not checked: the bookkeeping settings hold no own VAT ID",
                vat_id=order.merchant_vat_id,
            )
        )
    if not mirrors and order.state not in CANCELLED_STATES and document.register_vat_flags:
        disagreement = vat_flags_disagreement(treatment.case, document.register_vat_flags)
        if disagreement:
            raise Hold(WAITING, "vat_flags_disagree", disagreement)
        trace.append(Text("Billbee's VAT flags in the invoice register agree with the treatment"))
    customer_type = order.customer.type if order.customer else None
    note = business_customer_note(
        customer_type, treatment.case, order.destination_country, order.buyer_vat_id
    )
    if note:
        trace.append(note)
    return [note] if note else []


def _debtor(ctx: BookingContext, document: ExternalOrder, order: Order, trace: list[str]) -> int:
    assert ctx.debtors is not None
    try:
        choice = ctx.debtors.choose(document.origin, document.payment_method, order)
    except RuntimeError as exc:
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], Text) else str(exc)
        raise Hold(WAITING, "debtor_range_full", reason) from None
    if choice.account is None:
        raise Hold(WAITING, "no_debtor", choice.reason)
    trace.append(Text("debtor {account}: {why}", account=choice.account, why=choice.reason))
    return choice.account


def _exchange_rate(
    ctx: BookingContext, order: Order, currency: str, day: date, trace: list[str]
) -> Decimal | None:
    if currency == "EUR":
        return None
    choice = ctx.exchange_rate(currency, sources.service_date(order, ctx.tz), day)
    if choice.rate is None:
        raise Hold(WAITING, "no_exchange_rate", choice.text)
    trace.append(choice.text)
    return choice.rate


def _accounts(
    ctx: BookingContext, context_order: Order, treatment: Treatment, trace: list[str]
) -> Mapping[tuple[str, Decimal | None], Accounts]:
    """The revenue and VAT accounts. A sale that takes place in a foreign warehouse's country
    books to that country's registration (registered on first sight with the chart's
    accounts), never to the German tax-free or OSS accounts."""
    if treatment.case not in NOT_TAXABLE_AT_HOME:
        return ctx.accounts
    country = (context_order.delivery_source_country_code or "").upper()[:2]
    registration = ctx.registration(country)
    revenue = {
        Case.FOREIGN_WAREHOUSE_LOCAL: registration.local_account,
        Case.FOREIGN_WAREHOUSE_IC_SUPPLY: registration.ic_supply_account,
        Case.FOREIGN_WAREHOUSE_EXPORT: registration.export_account,
    }[treatment.case]
    trace.append(
        Text(
            "not taxable in {home}: the accounts of the registration in {country} (revenue "
            "{revenue}, {country} VAT {vat})",
            home=ctx.settings.home_country,
            country=country,
            revenue=revenue,
            vat=registration.vat_account,
        )
    )
    own = Accounts(revenue, registration.vat_account)
    return {**ctx.accounts, (treatment.case.value, None): own}


def _plan(
    ctx: BookingContext,
    order: Order,
    treatment: Treatment,
    debtor: int,
    rate: Decimal | None,
    accounts: Mapping[tuple[str, Decimal | None], Accounts],
) -> Plan:
    settings = ctx.settings
    try:
        return entry_plan(
            PlanInput(
                treatment=treatment,
                total=order.total_cost,
                debtor=debtor,
                accounts=accounts,
                automatic=ctx.automatic,
                rounding_account=rounding_account(settings),
                coupon_account=coupon_account(settings),
                tolerance=settings.rounding_tolerance,
                separate_lines=settings.separate_lines,
                exchange_rate=rate,
            )
        )
    except PlanProblem as exc:
        status = DocumentBooking.Status.NOTHING if exc.code == "nothing_to_book" else WAITING
        raise Hold(status, exc.code, exc.reason) from None
