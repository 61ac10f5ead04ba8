"""Billbee's order states (and VAT modes) as the console names them, in the reader's language.

``billbee.enums.ORDER_STATE_LABELS`` names them in English for the client, the logs and the
stored reasons; a German merchant knows them by the names Billbee's German interface shows
(Bestellt, Zahlung erhalten, Mahnung …). The console's choices and labels come from here (in
English the same names as the client's, so that a page and a stored reason agree); a state
Billbee added later than this table falls back to the name Billbee lists for it.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy

from billbee.enums import VAT_MODES, order_state_label

ORDER_STATE_NAMES = {
    1: pgettext_lazy("Billbee order state", "ordered"),
    2: pgettext_lazy("Billbee order state", "confirmed"),
    3: pgettext_lazy("Billbee order state", "paid"),
    4: pgettext_lazy("Billbee order state", "shipped"),
    5: pgettext_lazy("Billbee order state", "complaint"),
    6: pgettext_lazy("Billbee order state", "deleted"),
    7: pgettext_lazy("Billbee order state", "completed"),
    8: pgettext_lazy("Billbee order state", "cancelled"),
    9: pgettext_lazy("Billbee order state", "archived"),
    10: pgettext_lazy("Billbee order state", "rated"),
    11: pgettext_lazy("Billbee order state", "dunning 1"),
    12: pgettext_lazy("Billbee order state", "dunning 2"),
    13: pgettext_lazy("Billbee order state", "packed"),
    14: pgettext_lazy("Billbee order state", "offered"),
    15: pgettext_lazy("Billbee order state", "payment reminder"),
    16: pgettext_lazy("Billbee order state", "in fulfilment"),
    17: pgettext_lazy("Billbee order state", "returned"),
}


def order_state_name(state: int | None) -> str:
    """The state's name in the active language (Billbee's own name for a state added later)."""
    if state in ORDER_STATE_NAMES:
        return str(ORDER_STATE_NAMES[state])
    return order_state_label(state)


def numbered_state(state: int | None) -> str:
    """The state with its number, as the console lists it ("3 Zahlung erhalten"; none: "—")."""
    return "—" if state is None else f"{state} {order_state_name(state)}"


numbered_state_name = lazy(numbered_state, str)


def order_state_choices(extra: Any = ()) -> list[tuple[int, Any]]:
    """The 17 states (and any other id in ``extra``) as form choices: "3 Zahlung erhalten",
    translated when the form is rendered."""
    states = sorted(set(ORDER_STATE_NAMES) | {int(s) for s in extra if s is not None})
    return [(state, numbered_state_name(state)) for state in states]


# Billbee's VatMode of an order (billbee.enums.VAT_MODES names them in English for the logs).
VAT_MODE_NAMES = {
    0: pgettext_lazy("Billbee VAT mode", "VAT shown"),
    1: pgettext_lazy("Billbee VAT mode", "no VAT: small business (§19 UStG)"),
    2: pgettext_lazy("Billbee VAT mode", "no VAT: intra-community supply"),
    3: pgettext_lazy("Billbee VAT mode", "no VAT: export to a third country"),
    4: pgettext_lazy("Billbee VAT mode", "margin scheme"),
}


def vat_mode_name(mode: int) -> str:
    """The VAT mode's name in the active language (Billbee's own name for any other)."""
    if mode in VAT_MODE_NAMES:
        return str(VAT_MODE_NAMES[mode])
    return VAT_MODES.get(mode) or gettext("unknown (%s)") % mode
