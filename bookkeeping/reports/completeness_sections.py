"""The completeness check's sections of the period report (Billbee's invoice register against
the upload log), with the words an accountant reads, in the active language."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from connector import formatting
from connector.models import ExternalOrder

from .completeness import ALL_SHOPS, MANUAL, UPLOAD_LOG, Completeness
from .tables import (
    CompletenessResource,
    MissingResource,
    PendingResource,
    SeriesResource,
    SeriesRow,
    Table,
    UnlistedResource,
    build_table,
)

COMPLETENESS_SECTIONS = ("completeness", "pending", "missing", "unlisted", "number_gaps")
KIND_LABELS = {
    "invoice": gettext_lazy("invoice"),
    "credit_note": gettext_lazy("credit note"),
    "all": gettext_lazy("all"),
}
# The shop names the check gives where Billbee names none (shown in the reader's language).
SHOP_NAMES = (MANUAL, ALL_SHOPS)
NOT_READ = gettext_lazy("Not checked: Billbee's register was not read.")
Row = TypeVar("Row")


def completeness_tables(completeness: Completeness, tz: ZoneInfo) -> list[Table]:
    return [
        _completeness(completeness, tz),
        _pending(completeness, tz),
        _missing(completeness),
        _unlisted(completeness),
        _number_gaps(completeness),
    ]


def _completeness(c: Completeness, tz: ZoneInfo) -> Table:
    if c.checked:
        parts = [
            ngettext(
                "Billbee's invoice register, read %(moment)s: %(count)s document",
                "Billbee's invoice register, read %(moment)s: %(count)s documents",
                c.register_count,
            )
            % {"moment": formatting.when(c.read_at, tz), "count": c.register_count}
        ]
        if c.unreadable:
            parts.append(
                ngettext(
                    "%(count)s entry of the register could not be read",
                    "%(count)s entries of the register could not be read",
                    c.unreadable,
                )
                % {"count": c.unreadable}
            )
        gaps = ngettext(
            "%(count)s unexplained gap", "%(count)s unexplained gaps", c.unexplained
        ) % {"count": c.unexplained}
        if c.pending:
            gaps += ", " + ngettext(
                "%(count)s changed after the last import (the next run reads it)",
                "%(count)s changed after the last import (the next run reads them)",
                len(c.pending),
            ) % {"count": len(c.pending)}
        state = "; ".join([*parts, gaps])
    else:
        state = c.reason
    return build_table(
        "completeness",
        _("Completeness: Billbee against the upload log"),
        CompletenessResource,
        [_labelled(r) for r in c.rows],
        sheet=_("Completeness"),
        note=f"{state}.",
        footer=asdict(_labelled(c.total)),
    )


def _pending(c: Completeness, tz: ZoneInfo) -> Table:
    if c.checked and c.watermark is not None:
        note = _(
            "In Billbee's register, not in the upload log yet: Billbee changed their orders "
            "after the last import (everything up to %(watermark)s is imported). Not a gap: "
            "the next run reads them."
        ) % {"watermark": formatting.when(c.watermark, tz)}
    elif c.checked:
        note = _("Nothing was imported yet: every register document is missing.")
    else:
        note = str(NOT_READ)
    # The table shows when Billbee changed each one, as the connection's local time.
    rows = [
        SimpleNamespace(**{**asdict(_labelled(d)), "modified_at": _local(d.modified_at, tz)})
        for d in c.pending
    ]
    return build_table(
        "pending",
        _("Changed after the last import: the next run reads them"),
        PendingResource,
        rows,
        sheet=_("Changed after import"),
        note=note,
    )


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return formatting.when(moment, tz) if moment else ""


def _missing(c: Completeness) -> Table:
    return build_table(
        "missing",
        _("In Billbee's register, missing from the upload log"),
        MissingResource,
        [_labelled(d) for d in c.missing],
        sheet=_("Missing from upload log"),
        note=_(
            "Unexplained gaps: their orders did not change after the last import, so the "
            "import should have read them. What a missing API permission of the API user or "
            "an import gap looks like: check the API user's shops and run the import for "
            "these days."
        )
        if c.checked
        else NOT_READ,
    )


def _unlisted(c: Completeness) -> Table:
    statuses = dict(ExternalOrder.Status.choices)
    rows = [replace(_labelled(d), status=str(statuses.get(d.status, d.status))) for d in c.unlisted]
    return build_table(
        "unlisted",
        _("In the upload log, not in Billbee's register"),
        UnlistedResource,
        rows,
        sheet=_("Not in register"),
        note=_(
            "Upload-log documents of the month with an invoice number that Billbee's "
            "register does not list (deleted or renumbered in Billbee?)."
        )
        if c.checked
        else NOT_READ,
    )


def _number_gaps(c: Completeness) -> Table:
    rows = [
        SeriesRow(
            _(s.source) if s.source == UPLOAD_LOG else s.source,
            s.label,
            s.lowest,
            s.highest,
            s.present,
            s.missing_count,
            ", ".join(s.missing) or _("none"),
        )
        for s in c.series
    ]
    return build_table(
        "number_gaps",
        _("Gaps in invoice numbers"),
        SeriesResource,
        rows,
        sheet=_("Number gaps"),
        note=_(
            "Per number series, the numbers missing between the month's lowest and highest. "
            "A number missing from Billbee's register too was never issued there (voided, or "
            "its order deleted): there is no document to import, and the merchant explains it "
            "(GoBD). A number missing only from the upload log is listed above, as changed "
            "after the last import or missing."
        ),
    )


def _labelled(row: Row) -> Row:
    """The row with its kind, and a shop name the check made up, in the reader's words."""
    kind: Any = getattr(row, "kind", "")
    shop: Any = getattr(row, "shop", "")
    return replace(  # type: ignore[type-var]
        row,
        kind=str(KIND_LABELS.get(kind, kind)),
        shop=_(shop) if shop in SHOP_NAMES else shop,
    )
