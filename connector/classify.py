"""What happens to a Billbee document, and why: pure functions over plain data.

``classify`` takes one parsed order, the connection's settings and rules, what the upload log
knew about the document before, and its original order (for credit notes), and returns a
``Decision``: a status, a reason an operator can act on, the rule that decided, and a trace of
every check in order (shown by ``explain_order`` and the admin).

The checks, in order (product.md, AccountOne's Billbee interface):
1. kind: a credit note has an order number ending in ``-GS``, negative positions or a
   negative total; everything else is an invoice, also a positive order with a
   ``BillBeeParentOrderId`` (split or copied orders carry one);
2. a cancelled or deleted credit note is ignored (skipped);
3. channel rules: an include rule wins over exclude rules; a matching exclude rule excludes;
4. order state: a document with an invoice number is imported whatever its state, because
   the VAT arises with the supply, not with payment or dunning (accrual VAT, § 13 (1) Nr. 1a
   UStG), and every issued invoice belongs in the books (§ 146 AO, GoBD). The configured
   states (default 3, 4, 7, 17) decide only about documents not invoiced yet — or about every
   document when the connection is AccountOne-compatible (``only_imported_states``). A
   document imported before is never dropped by a later state. An invoice cancelled (8) or
   deleted (6) stays in the books and is flagged "cancelled after invoicing: needs a credit
   note";
5. start date: documents dated before the connection's start date are skipped;
6. no invoice number yet: waiting for the invoice (decided again when the order changes);
7. credit notes need positions, a negative total, the original order imported and a total
   not larger than the original's;
8. otherwise: imported (first time), updated (content changed) or unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from billbee.dto import Order
from connector.texts import Joined, State, Text

CENT = Decimal("0.01")
ZERO = Decimal(0)
CANCELLED, DELETED = 8, 6
CANCELLED_STATES = (CANCELLED, DELETED)  # a document Billbee cancelled or deleted

IMPORTED, UPDATED, UNCHANGED = "imported", "updated", "unchanged"
SKIPPED, EXCLUDED, REJECTED, WAITING = "skipped", "excluded", "rejected", "waiting"
ACCEPTED = frozenset({IMPORTED, UPDATED, UNCHANGED})

INVOICE, CREDIT_NOTE = "invoice", "credit_note"

# Per reason code, the reason without document-specific values (what a run counts), for the
# codes whose reason text names the document.
SUMMARIES = {
    "credit_original_missing": "original order not imported",
    "credit_original_not_imported": "original order not imported",
    "credit_not_negative": "credit note total is not negative",
    "credit_exceeds_original": "credit note exceeds the original",
    "before_start_date": "dated before the start date",
    "no_invoice_number": "no invoice number yet",
}

# Fields that change without the document changing (Billbee bumps LastModifiedAt when a tag
# is added or a note written): left out of the content hash, so such changes are "unchanged".
VOLATILE_FIELDS = frozenset(
    {"LastModifiedAt", "UpdatedAt", "History", "Tags", "Comments", "ArchivedAt", "RestoredAt"}
)


@dataclass(frozen=True)
class RuleSpec:
    id: int
    action: str  # "include" | "exclude"
    platform: str
    shop_name: str
    valid_from: date | None
    valid_until: date | None
    # A rule made for one sales channel matches its platform and shop exactly (both empty:
    # manual orders); other rules treat an empty platform or shop as "any".
    exact: bool = False

    def matches(self, platform: str, shop_name: str, day: date | None) -> bool:
        if self.exact:
            wanted = (self.platform.casefold(), self.shop_name.casefold())
            if wanted != (platform.casefold(), shop_name.casefold()):
                return False
        else:
            if self.platform and self.platform.casefold() != platform.casefold():
                return False
            if self.shop_name and self.shop_name.casefold() != shop_name.casefold():
                return False
        if day is None:
            return self.valid_from is None and self.valid_until is None
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)

    def describe(self) -> Text:
        if self.platform and self.shop_name:
            target = Text(
                "platform {platform} and shop {shop}", platform=self.platform, shop=self.shop_name
            )
        elif self.platform:
            target = Text("platform {platform}", platform=self.platform)
        elif self.shop_name:
            target = Text("shop {shop}", shop=self.shop_name)
        else:
            target = Text("manual orders")
        if self.valid_from and self.valid_until:
            period = Text("{start}–{end}", start=self.valid_from, end=self.valid_until)
        elif self.valid_from:
            period = Text("from {start}", start=self.valid_from)
        elif self.valid_until:
            period = Text("until {end}", end=self.valid_until)
        else:
            period = Text("whole period")
        if self.action == "include":
            return Text(
                "rule #{id}: include {target} ({period})", id=self.id, target=target, period=period
            )
        return Text(
            "rule #{id}: exclude {target} ({period})", id=self.id, target=target, period=period
        )


@dataclass(frozen=True)
class Settings:
    label: str
    imported_states: frozenset[int]
    start_date: date | None
    sender_country: str
    tz: ZoneInfo
    rules: tuple[RuleSpec, ...] = ()
    # AccountOne-compatible: the state list decides about invoiced documents too.
    only_imported_states: bool = False
    # The zone of Billbee's naive timestamps (the connection's "Billbee's clock"); None: tz.
    clock: ZoneInfo | None = None

    @property
    def clock_zone(self) -> ZoneInfo:
        return self.clock or self.tz

    @cached_property
    def basis(self) -> str:
        """Fingerprint of everything a decision depends on besides the document."""
        parts = [
            self.label,
            sorted(self.imported_states),
            str(self.start_date),
            self.sender_country,
            # The clock joins the fingerprint only when it differs from the zone, so that
            # connections on the default keep the fingerprints they had.
            str(self.tz) if self.clock_zone == self.tz else f"{self.tz} clock {self.clock}",
            self.only_imported_states,
            [
                (
                    r.id,
                    r.action,
                    r.platform,
                    r.shop_name,
                    str(r.valid_from),
                    str(r.valid_until),
                    r.exact,
                )
                for r in sorted(self.rules, key=lambda r: r.id)
            ],
        ]
        return hashlib.sha256(repr(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Previous:
    """What the upload log knew about this document before."""

    status: str
    content_hash: str
    flag: str = ""

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED


@dataclass(frozen=True)
class Parent:
    """The original order of a credit note as found in the upload log (None: not found)."""

    billbee_order_id: int
    label: str  # order or invoice number for messages
    status: str
    reason: str
    total_gross: Decimal | None
    pk: int | None = None  # the upload-log row, when known

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED


@dataclass
class Totals:
    lines_total: Decimal
    shipping: Decimal
    adjustment: Decimal
    total_cost: Decimal

    @property
    def computed(self) -> Decimal:
        return self.lines_total + self.shipping + self.adjustment

    @property
    def difference(self) -> Decimal:
        return self.total_cost - self.computed


@dataclass
class Facts:
    """Values derived from the document, stored with it."""

    kind: str
    kind_reason: Text
    document_date: date | None
    service_date: date | None
    ship_from: str
    destination: str
    origin: str
    platform: str
    shop_name: str
    invoice_number: str
    parent_billbee_id: int | None
    parent_order_number: str
    totals: Totals
    # IsCancelationFor: the external id of the order a cancellation document cancels
    # (billbee-api.md §3.1, "Shopify only at the moment").
    cancelation_for: str = ""


@dataclass
class Decision:
    status: str
    reason_code: str
    reason: Text
    summary: Text  # the reason without document-specific values: counted per run
    facts: Facts
    rule_id: int | None = None
    flag: str = ""
    trace: list[Text] = field(default_factory=list)


def local_date(value: datetime | None, tz: ZoneInfo) -> date | None:
    return value.astimezone(tz).date() if value else None


def origin_of(label: str, platform: str | None, shop_name: str | None) -> str:
    """``<label>-<Platform>-<BillbeeShopName>`` ("Bestellherkunft")."""
    return f"{label}-{platform or ''}-{shop_name or ''}"


def content_hash(raw: Any) -> str:
    """SHA-256 of the document without its volatile fields.

    Computed over the ``repr`` of the decoded JSON: exact (decimals keep every digit) and
    several times cheaper than serialising again. Billbee writes fields in a fixed order; if
    that ever changed, documents would show one "updated" version, nothing worse.
    """
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k not in VOLATILE_FIELDS}
    return hashlib.sha256(repr(raw).encode()).hexdigest()


def raw_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_kind(order: Order) -> tuple[str, Text]:
    """A credit note ("Storno", Billbee's cancellation document) has an order number ending in
    ``-GS``, negative positions or a negative total. ``BillBeeParentOrderId`` alone decides
    nothing: Billbee also sets it on orders split off or copied from another one (its
    official SDK's fixture has a positive order with a parent id); a credit note's link to
    its original is read from it once the document is known to be one."""
    number = order.order_number or ""
    if number.upper().endswith("-GS"):
        return CREDIT_NOTE, Text("order number {number} ends in -GS", number=number)
    if order.total_cost < 0:
        return CREDIT_NOTE, Text("its total {total} is negative", total=order.total_cost)
    lines = sum((i.total_price for i in order.items), ZERO)
    if lines < 0:
        return CREDIT_NOTE, Text("its positions add up to {lines}", lines=lines)
    if order.parent_order_id:
        return INVOICE, Text(
            "no -GS suffix, positive positions and total (BillBeeParentOrderId "
            "{parent} alone does not make a credit note: split or copied "
            "orders carry one)",
            parent=order.parent_order_id,
        )
    return INVOICE, Text("no -GS suffix, no original order, positive total")


def totals_of(order: Order) -> Totals:
    lines = sum((i.total_price.quantize(CENT, ROUND_HALF_UP) for i in order.items), ZERO)
    return Totals(
        lines_total=lines,
        shipping=order.shipping_cost,
        adjustment=order.adjustment_cost,
        total_cost=order.total_cost,
    )


def facts_of(order: Order, settings: Settings) -> Facts:
    kind, kind_reason = document_kind(order)
    tz = settings.tz
    number = order.order_number or ""
    parent_number = number[:-3] if number.upper().endswith("-GS") else ""
    return Facts(
        kind=kind,
        kind_reason=kind_reason,
        document_date=local_date(order.invoice_date or order.created_at, tz),
        service_date=local_date(order.shipped_at or order.invoice_date, tz),
        ship_from=(order.delivery_source_country_code or settings.sender_country).upper()[:2],
        destination=order.destination_country or "",
        origin=origin_of(settings.label, order.platform, order.shop_name),
        platform=order.platform or "",
        shop_name=order.shop_name or "",
        invoice_number=order.full_invoice_number or "",
        # Only a credit note refers to an original; a split order's parent id is not one.
        parent_billbee_id=order.parent_order_id if kind == CREDIT_NOTE else None,
        parent_order_number=parent_number,
        totals=totals_of(order),
        cancelation_for=order.is_cancelation_for or "",
    )


def _states_text(states: frozenset[int]) -> Joined:
    return Joined(tuple(State(s) for s in sorted(states)))


def classify(
    order: Order,
    settings: Settings,
    previous: Previous | None,
    parent: Parent | None,
    content_changed: bool,
) -> Decision:
    facts = facts_of(order, settings)
    if facts.kind == CREDIT_NOTE:
        trace = [Text("kind: credit note ({why})", why=facts.kind_reason)]
    else:
        trace = [Text("kind: invoice ({why})", why=facts.kind_reason)]

    def decide(status: str, code: str, reason: Text, summary: Text, **extra: Any) -> Decision:
        trace.append(_outcome(status, reason))
        return Decision(status, code, reason, summary, facts, trace=trace, **extra)

    state = order.state
    was_accepted = previous is not None and previous.accepted
    if facts.kind == CREDIT_NOTE and state in CANCELLED_STATES and not was_accepted:
        if state == CANCELLED:
            ignored = Text("cancelled credit note: ignored")
            return decide(SKIPPED, "cancelled_credit_note", ignored, ignored)
        ignored = Text("deleted credit note: ignored")
        return decide(SKIPPED, "deleted_credit_note", ignored, ignored)

    rule, rule_reason = _match_rules(settings.rules, facts)
    trace.append(Text("channel {origin}: {why}", origin=facts.origin, why=rule_reason))
    if rule is not None and rule.action == "exclude":
        excluded = Text("excluded by {rule}", rule=rule.describe())
        return decide(EXCLUDED, "channel_rule", excluded, excluded, rule_id=rule.id)

    skipped = _state_check(state, facts, settings, was_accepted, trace)
    if skipped is not None:
        summary = Text("state {state} is not imported", state=State(state))
        return decide(SKIPPED, "state_not_imported", skipped, summary)

    if settings.start_date and facts.document_date and facts.document_date < settings.start_date:
        return decide(
            SKIPPED,
            "before_start_date",
            Text(
                "document date {date} is before the start date {start}",
                date=facts.document_date,
                start=settings.start_date,
            ),
            Text("dated before the start date"),
        )

    if not facts.invoice_number:
        if not was_accepted:
            return decide(
                WAITING,
                "no_invoice_number",
                Text(
                    "no invoice number yet: waiting for Billbee to write the invoice; "
                    "decided again when the order changes"
                ),
                Text("no invoice number yet"),
            )
    else:
        trace.append(Text("invoice number {number}", number=facts.invoice_number))

    if facts.kind == CREDIT_NOTE:
        problem = _credit_note_problem(order, facts, parent, trace)
        if problem is not None:
            code, reason, summary = problem
            return decide(REJECTED, code, reason, summary)

    status = IMPORTED if not was_accepted else (UPDATED if content_changed else UNCHANGED)
    included_by = rule.id if rule is not None and rule.action == "include" else None
    flag = ""
    if state in CANCELLED_STATES and (was_accepted or facts.invoice_number):
        flag = "cancelled_after_import" if state == CANCELLED else "deleted_after_import"
        reason = _cancelled_reason(facts.kind, state)
        return decide(status, flag, reason, reason, flag=flag, rule_id=included_by)
    difference = facts.totals.difference
    if difference:
        totals = facts.totals
        trace.append(
            Text(
                "rounding difference {difference} (TotalCost {total} vs rounded lines "
                "{lines} + shipping {shipping} + adjustment {adjustment})",
                difference=difference,
                total=totals.total_cost,
                lines=totals.lines_total,
                shipping=totals.shipping,
                adjustment=totals.adjustment,
            )
        )
    reasons = {
        IMPORTED: Text("imported"),
        UPDATED: Text("imported again: the document changed"),
        UNCHANGED: Text("imported; nothing relevant changed since"),
    }
    return decide(status, status, reasons[status], reasons[status], flag=flag, rule_id=included_by)


def _outcome(status: str, reason: Text) -> Text:
    """The trace's last step: the outcome and its reason."""
    outcomes = {
        IMPORTED: Text("→ imported: {reason}", reason=reason),
        UPDATED: Text("→ updated: {reason}", reason=reason),
        UNCHANGED: Text("→ unchanged: {reason}", reason=reason),
        SKIPPED: Text("→ skipped: {reason}", reason=reason),
        EXCLUDED: Text("→ excluded: {reason}", reason=reason),
        REJECTED: Text("→ rejected: {reason}", reason=reason),
        WAITING: Text("→ waiting: {reason}", reason=reason),
    }
    return outcomes[status]


def _cancelled_reason(kind: str, state: int) -> Text:
    if kind == CREDIT_NOTE:
        if state == CANCELLED:
            return Text("changed after import: cancelled — it must be reversed")
        return Text("changed after import: deleted — it must be reversed")
    if state == CANCELLED:
        return Text("cancelled after invoicing: needs a credit note")
    return Text("deleted after invoicing: needs a credit note")


def _state_check(
    state: int,
    facts: Facts,
    settings: Settings,
    was_accepted: bool,
    trace: list[Text],
) -> Text | None:
    """Why the document is skipped for its state, or None when it goes on (and why, traced)."""
    if state in settings.imported_states:
        trace.append(Text("state {state} is imported", state=State(state)))
        return None
    if was_accepted:
        trace.append(
            Text(
                "state {state} is not in the imported states, but the document was imported "
                "before: it stays in the books",
                state=State(state),
            )
        )
        return None
    if facts.invoice_number and not settings.only_imported_states:
        trace.append(
            Text(
                "state {state} is not in the imported states, but the document is invoiced "
                "({number}): every issued invoice is booked whatever its state (accrual VAT "
                "arises with the supply, § 13 (1) Nr. 1a UStG; completeness, § 146 AO)",
                state=State(state),
                number=facts.invoice_number,
            )
        )
        return None
    states = _states_text(settings.imported_states)
    if facts.invoice_number:
        return Text(
            "state {state} is not imported (imported states: {states}); the connection "
            "imports only these states (AccountOne-compatible), although the document is "
            "invoiced ({number})",
            state=State(state),
            states=states,
            number=facts.invoice_number,
        )
    return Text(
        "state {state} is not imported and not invoiced yet (imported states: {states})",
        state=State(state),
        states=states,
    )


def _match_rules(rules: tuple[RuleSpec, ...], facts: Facts) -> tuple[RuleSpec | None, Text]:
    matching = [r for r in rules if r.matches(facts.platform, facts.shop_name, facts.document_date)]
    includes = [r for r in matching if r.action == "include"]
    if includes:
        return includes[0], Text("included by {rule}", rule=includes[0].describe())
    if matching:
        return matching[0], Text("matches {rule}", rule=matching[0].describe())
    return None, Text("no rule applies")


def _credit_note_problem(
    order: Order, facts: Facts, parent: Parent | None, trace: list[Text]
) -> tuple[str, Text, Text] | None:
    if not order.items:
        return (
            "credit_without_positions",
            Text(
                "credit note without positions: Billbee must "
                "send the credited lines of the original order"
            ),
            Text("credit note without positions"),
        )
    if order.total_cost >= 0:
        return (
            "credit_not_negative",
            Text("credit note total {total} is not negative", total=order.total_cost),
            Text("credit note total is not negative"),
        )
    reference = (
        str(facts.parent_billbee_id)
        if facts.parent_billbee_id
        else facts.parent_order_number or "?"
    )
    if parent is None:
        return (
            "credit_original_missing",
            Text(
                "the original order {reference} is not in the upload log yet; decided again "
                "when it arrives",
                reference=reference,
            ),
            Text("original order not imported"),
        )
    if not parent.accepted:
        return (
            "credit_original_not_imported",
            Text(
                "the original order {label} was not imported ({status}: {reason})",
                label=parent.label,
                status=parent.status,
                reason=parent.reason,
            ),
            Text("original order not imported"),
        )
    if parent.total_gross is not None and -order.total_cost > parent.total_gross + CENT:
        return (
            "credit_exceeds_original",
            Text(
                "credit note total {total} exceeds the original order {label} ({original})",
                total=order.total_cost,
                label=parent.label,
                original=parent.total_gross,
            ),
            Text("credit note exceeds the original"),
        )
    trace.append(Text("original order {label} is imported", label=parent.label))
    return None
