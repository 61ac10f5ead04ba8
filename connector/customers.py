"""Who ordered: the customer of a Billbee order as payment matching and reminders need it.

Read from the order's JSON (billbee-api.md §3.1 and §3.3), so that the import and the backfill
of stored documents (migration 0015) take the same values: the name on the invoice address
(the company, else first and last name; else the Billbee customer's name), the e-mail address,
the customer number, Billbee's customer id and the order's language.
"""

from __future__ import annotations

from typing import Any

NAME_LENGTH = 200


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def _object(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def customer_name(raw: dict[str, Any]) -> str:
    """The invoice address's company, else its first and last name, else the Billbee
    customer's name ("" when the order names nobody)."""
    address = _object(raw, "InvoiceAddress")
    name = _text(address.get("Company")) or _text(
        f"{address.get('FirstName') or ''} {address.get('LastName') or ''}"
    )
    return (name or _text(_object(raw, "Customer").get("Name")))[:NAME_LENGTH]


def customer_details(raw: dict[str, Any]) -> dict[str, Any]:
    """E-mail, customer number, Billbee customer id and language, each only when the order
    has it: ``{"email": …, "number": …, "id": …, "language": …}``."""
    customer = _object(raw, "Customer")
    address = _object(raw, "InvoiceAddress")
    billbee_id = customer.get("Id")
    details = {
        "email": _text(customer.get("Email") or address.get("Email"))[:254],
        "number": _text(raw.get("CustomerNumber") or customer.get("Number"))[:100],
        "id": billbee_id if isinstance(billbee_id, int) and billbee_id > 0 else None,
        "language": _text(raw.get("LanguageCode"))[:10],
    }
    return {key: value for key, value in details.items() if value}


def customer_key(details: dict[str, Any]) -> str:
    """One customer across orders: Billbee's customer id, else the customer number, else the
    e-mail address; "" when the order has none of them (a name alone is no key: two people
    can share it)."""
    if details.get("id"):
        return f"id:{details['id']}"
    if details.get("number"):
        return f"number:{details['number']}"
    if details.get("email"):
        return f"email:{str(details['email']).casefold()}"
    return ""
