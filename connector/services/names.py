"""Billbee's names for payment types and order states: refreshed from ``/enums/*``, stored.

The built-in tables (``billbee.enums``) end at payment type 138; Billbee lists more (139–150)
and adds new ones without notice. The import refreshes the stored copy when it starts, at
most once a day; ``billbee_names --refresh`` does it on demand. Every process reads the stored
names through ``billbee.enums.names_source`` (installed in ``ConnectorConfig.ready``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone

from billbee import enums
from billbee.client import BillbeeClient
from billbee.dto import EnumItem

from ..models import BillbeeName

logger = logging.getLogger("connector.names")

REFRESH_EVERY = timedelta(days=1)
KINDS = (BillbeeName.Kind.PAYMENT_TYPE, BillbeeName.Kind.ORDER_STATE)
BUILT_IN: dict[str, dict[int, str]] = {
    BillbeeName.Kind.PAYMENT_TYPE: enums.PAYMENT_TYPES,
    BillbeeName.Kind.ORDER_STATE: enums.ORDER_STATE_LABELS,
}


@dataclass(frozen=True)
class NamesRefresh:
    refreshed: bool
    reason: str
    counts: Mapping[str, int]
    beyond: Mapping[str, list[int]]  # ids the built-in tables do not name


def billbee_names_due(now: datetime | None = None) -> bool:
    """Whether the stored names are older than a day (or missing)."""
    now = now or timezone.now()
    last = BillbeeName.objects.aggregate(last=Max("refreshed_at"))["last"]
    return last is None or now - last >= REFRESH_EVERY


def billbee_names_refresh(
    client: BillbeeClient, *, now: datetime | None = None, force: bool = False
) -> NamesRefresh:
    """Read both lists from Billbee and store them; without ``force`` only when the stored
    names are a day old. Names Billbee no longer lists are kept (old documents still carry
    their ids)."""
    now = now or timezone.now()
    if not force and not billbee_names_due(now):
        return NamesRefresh(False, "refreshed less than a day ago", {}, {})
    lists: dict[str, list[EnumItem]] = {
        BillbeeName.Kind.PAYMENT_TYPE: client.payment_types(),
        BillbeeName.Kind.ORDER_STATE: client.order_states(),
    }
    counts: dict[str, int] = {}
    beyond: dict[str, list[int]] = {}
    with transaction.atomic():
        for kind, items in lists.items():
            built_in = BUILT_IN[kind]
            for item in items:
                if not item.name:
                    continue
                BillbeeName.objects.update_or_create(
                    kind=kind,
                    billbee_id=item.id,
                    defaults={"name": item.name[:200], "refreshed_at": now},
                )
            counts[kind] = len(items)
            beyond[kind] = sorted(i.id for i in items if i.id not in built_in and i.name)
    enums.names_forget()
    return NamesRefresh(True, "", counts, beyond)


def stored_names() -> dict[str, dict[int, str]]:
    """The stored names by kind; empty when the table cannot be read (before ``migrate``)."""
    names: dict[str, dict[int, str]] = {kind.value: {} for kind in KINDS}
    try:
        for kind, billbee_id, name in BillbeeName.objects.values_list("kind", "billbee_id", "name"):
            names.setdefault(kind, {})[billbee_id] = name
    except (DatabaseError, RuntimeError):
        # RuntimeError: no database access in this context (a test without a database).
        logger.warning("Billbee's stored names could not be read; the built-in names are used")
    return names
