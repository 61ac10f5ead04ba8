"""Billbee enumerations (billbee-api.md §4).

These tables are the fallback and the sandbox's source. Billbee's current lists come from
``/enums/paymenttypes`` and ``/enums/orderstates`` (payment types grow often: ids 139–150 exist
beyond the table below); the connector stores them and hands them to ``names_source``, so that
ids beyond these tables are named too. Unknown ids are never an error: they are kept as
integers and named ``unknown payment type 143`` / ``unknown state 42``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

ORDER_STATES: dict[int, str] = {
    1: "Bestellt",
    2: "Bestaetigt",
    3: "Zahlung_erhalten",
    4: "Versendet",
    5: "Reklamation",
    6: "Geloescht",
    7: "Abgeschlossen",
    8: "Storniert",
    9: "Archiviert",
    10: "Rated",
    11: "Mahnung",
    12: "Mahnung2",
    13: "Gepackt",
    14: "Angeboten",
    15: "Zahlungserinnerung",
    16: "Im_Fulfillment",
    17: "Retoure",
}

ORDER_STATE_LABELS: dict[int, str] = {
    1: "ordered",
    2: "confirmed",
    3: "paid",
    4: "shipped",
    5: "complaint",
    6: "deleted",
    7: "completed",
    8: "cancelled",
    9: "archived",
    10: "rated",
    11: "dunning 1",
    12: "dunning 2",
    13: "packed",
    14: "offered",
    15: "payment reminder",
    16: "in fulfilment",
    17: "returned",
}

STATE_PAID = 3
STATE_SHIPPED = 4
STATE_DELETED = 6
STATE_COMPLETED = 7
STATE_CANCELLED = 8
STATE_RETURNED = 17

VAT_MODES: dict[int, str] = {
    0: "VAT shown",
    1: "no VAT: small business (§19 UStG)",
    2: "no VAT: intra-community supply",
    3: "no VAT: export to a third country",
    4: "margin scheme",
    5: "LastEnumEntry",
}

SHIPPING_CARRIERS: dict[int, str] = {
    0: "other",
    1: "dhlExpress",
    2: "dhl",
    3: "hermes",
    4: "dpd",
    5: "ups",
    6: "gls",
    7: "dpag",
    8: "OePost",
    9: "fedex",
    10: "generalOvernight",
    11: "tnt",
    12: "liefery",
    13: "iloxx",
    14: "parcel_one",
    15: "cargo_international",
    16: "pin_mail",
    17: "usPostalService",
    18: "amazon_logistics",
}

SHIPMENT_TYPES: dict[int, str] = {0: "shipment", 1: "return"}

# Envelope ErrorCode values; names of 0–18 from the official C# SDK.
ERROR_CODES: dict[int, str] = {
    0: "NoError",
    1: "ApiNotActivated",
    2: "OrderNotFound",
    3: "InvoiceNotCreated",
    4: "CantCreateInvoice",
    5: "OrderCanceled",
    6: "OrderDeleted",
    7: "OrderNotPaid",
    8: "InternalError",
    9: "OrderExists",
    10: "WrongShopId",
    11: "InvalidData",
    12: "CreateUser_DuplicateEmail",
    13: "CreateUser_InvalidEmail",
    14: "CreateUser_UserRejected",
    15: "CreateUser_TermsNotAccepted",
    16: "NoPaidAccount",
    17: "APIServiceNotBooked",
    18: "CantCreateDeliveryNote",
}

PAYMENT_TYPES: dict[int, str] = {
    1: "Bankueberweisung",
    2: "Nachnahme",
    3: "PayPal",
    4: "Barzahlung",
    6: "Gutschein",
    19: "Sofortüberweisung",
    20: "MoneyOrder",
    21: "Check",
    22: "Andere",
    23: "Lastschrift",
    24: "Moneybookers",
    25: "KLARNA_Invoice",
    26: "Rechnung",
    27: "Moneybookers_Kreditkarte",
    28: "Moneybookers_Lastschrift",
    29: "BILLPAY_Rechnung",
    30: "BILLPAY_Lastschrift",
    31: "Kreditkarte",
    32: "Maestro",
    33: "iDEAL",
    34: "EPS",
    35: "P24",
    36: "ClickAndBuy",
    37: "GiroPay",
    38: "Novalnet_Lastschrift",
    39: "KLARNA_PartPayment",
    40: "iPayment_CC",
    41: "Billsafe",
    42: "Testbestellung",
    43: "WireCard_Kreditkarte",
    44: "AmazonPayments",
    45: "Secupay_Kreditkarte",
    46: "Secupay_Lastschrift",
    47: "WireCard_Lastschrift",
    48: "EC",
    49: "Paymill_Kreditkarte",
    50: "Novalnet_Kreditkarte",
    51: "Novalnet_Rechnung",
    52: "Novalnet_PayPal",
    53: "Paymill",
    54: "Rechnung_PayPal",
    55: "Selekkt",
    56: "Avocadostore",
    57: "DirectCheckout",
    58: "Rakuten",
    59: "Vorkasse",
    60: "Kommissionsabrechnung",
    61: "Amazon_Marketplace",
    62: "Amazon_Payments_Advanced",
    63: "Stripe",
    64: "BILLPAY_PayLater",
    65: "PostFinance",
    66: "iZettle",
    67: "SumUp",
    68: "payleven",
    69: "atalanda",
    70: "Saferpay_Kreditkarte",
    71: "WireCard_PayPal",
    72: "Micropayment",
    73: "Ratenkauf",
    74: "Wayfair",
    75: "MangoPay_PayPal",
    76: "MangoPay_Sofortueberweisung",
    77: "MangoPay_Kreditkarte",
    78: "MangoPay_iDeal",
    79: "PayPal_Express",
    80: "PayPal_Lastschrift",
    81: "PayPal_Kreditkarte",
    82: "Wish",
    83: "Bancontact_Mister_Cash",
    84: "Belfius_Direct_Net",
    85: "KBC_CBC_Betaalknop",
    86: "Novalnet_Przelewy24",
    87: "Novalnet_Vorkasse",
    88: "Novalnet_Instantbank",
    89: "Novalnet_IDEAL",
    90: "Novalnet_EPS",
    91: "Novalnet_GiroPay",
    92: "Novalnet_Barzahlen",
    93: "Real",
    94: "Fruugo",
    95: "Cdiscount",
    96: "PayDirekt",
    97: "EtsyPayments",
    98: "KLARNA",
    99: "limango",
    100: "SantanderRatenkauf",
    101: "SantanderRechnungskauf",
    102: "Cashpresso",
    103: "Tipser",
    104: "Ebay",
    105: "Mollie",
    106: "MollieInvoice",
    107: "MollieCreditCard",
    108: "MollieSofort",
    109: "MollieGiroPay",
    110: "MollieMaestro",
    111: "MollieKlarnaPayLater",
    112: "MolliePayPal",
    113: "ApplePay",
    114: "Braintree",
    115: "BraintreeCreditCard",
    116: "BraintreePayPal",
    117: "MollieIdeal",
    118: "Scalapay",
    119: "OttoPayments",
    120: "IdealoDirektkaufPayments",
    121: "EasyCredit",
    122: "MollieApplePay",
    123: "MollieEPS",
    124: "CrefoPayPrepaid",
    125: "MollieBancontact",
    126: "MolliePrzelewy24",
    127: "MollieKlarnaRatenkauf",
    128: "MollieKlarnaSliceit",
    129: "GooglePay",
    130: "MollieKlarnaPayNow",
    131: "MultiSafepay",
    132: "Ratepay_Rechnung",
    133: "HoodPay",
    134: "Quickpay",
    135: "PayPal_PayLater",
    136: "Kaufland",
    137: "MollieBankUeberweisung",
    138: "Lena",
}


def name_of(table: dict[int, str], value: int | None, what: str = "") -> str:
    """The name for an enum id, ``unknown <what> <id>`` for ids this table does not know."""
    if value is None:
        return "none"
    return table.get(value) or " ".join(p for p in ("unknown", what, str(value)) if p)


PAYMENT_TYPE = "payment_type"
ORDER_STATE = "order_state"

# Names Billbee listed beyond the tables above, by kind ("payment_type", "order_state"), as
# the loader returns them. Read again at most every RELOAD_AFTER seconds, and only when an id
# is not found: another process (the worker) may have refreshed them meanwhile.
NamesLoader = Callable[[], Mapping[str, Mapping[int, str]]]
RELOAD_AFTER = 600.0
_loader: NamesLoader | None = None
_loaded: dict[str, dict[int, str]] = {}
_loaded_at: float | None = None


def names_source(loader: NamesLoader | None) -> None:
    """Where Billbee's current names come from (the connector's stored copy); None: only
    the tables above."""
    global _loader
    _loader = loader
    names_forget()


def names_forget() -> None:
    """Read the names again at the next id the tables do not know (after a refresh)."""
    global _loaded_at
    _loaded.clear()
    _loaded_at = None


def _current(kind: str, value: int) -> str | None:
    global _loaded_at
    names = _loaded.get(kind, {})
    if value in names or _loader is None:
        return names.get(value)
    if _loaded_at is None or time.monotonic() - _loaded_at > RELOAD_AFTER:
        _loaded_at = time.monotonic()
        _loaded.clear()
        _loaded.update({k: dict(v) for k, v in _loader().items()})
    return _loaded.get(kind, {}).get(value)


def order_state_label(state: int | None) -> str:
    if state is not None and state not in ORDER_STATE_LABELS:
        name = _current(ORDER_STATE, state)
        if name:
            return name
    return name_of(ORDER_STATE_LABELS, state, "state")


def payment_type_name(payment_type: int | None) -> str:
    if payment_type is not None and payment_type not in PAYMENT_TYPES:
        name = _current(PAYMENT_TYPE, payment_type)
        if name:
            return name
    return name_of(PAYMENT_TYPES, payment_type, "payment type")
