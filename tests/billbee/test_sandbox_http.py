"""The sandbox as a client sees it over HTTP on loopback (billbee-api.md §1–§2, docs/sandbox.md).

Every test talks to a real sandbox server through ``urllib``: authentication, the envelope,
paging, routing, filters, the write endpoints, throttling, injected faults and the control API.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from billbee import jsonutil
from billbee.sandbox import SandboxConfig, SandboxServer, make_server
from tests.conftest import SANDBOX_END, SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER, Sandbox

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")
NOT_FOUND_PREFIX = "No HTTP resource was found that matches the request URI"


# ---------------------------------------------------------------- fixtures

# What every test here starts from (SandboxConfig's defaults, but no throttling).
INITIAL_CONFIG: dict[str, Any] = {
    "rate_limit": 0,
    "user_rate_limit": 10,
    "throttle_scale": 1,
    "faults": "",
    "fail_next": [],
    "fault_delay": 30,
    "fault_retry_after": 1,
    "latency_ms": "0",
    "api_active": True,
}


@pytest.fixture(scope="module")
def shared_server() -> Iterator[SandboxServer]:
    server = make_server(
        port=0,
        orders=300,
        seed=1,
        days=90,
        end=SANDBOX_END,
        config=SandboxConfig(
            username=SANDBOX_USER, api_password=SANDBOX_PASSWORD, api_key=SANDBOX_KEY, rate_limit=0
        ),
    )
    server.start_in_thread()
    yield server
    server.stop()


@pytest.fixture
def sandbox(shared_server: SandboxServer) -> Sandbox:
    """Overrides conftest's ``sandbox``: one server per module (stopping a server costs half a
    second), put back to its initial data, configuration and statistics before each test.
    ``test_reset_restores_the_initial_data`` checks that reset on a server of its own."""
    box = Sandbox(shared_server)
    box.control("POST", "reset")
    box.configure(**INITIAL_CONFIG)
    box.control("POST", "stats/reset")
    return box


# ---------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    body: bytes

    @property
    def json(self) -> Any:
        return jsonutil.loads(self.body)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def call(
    sb: Sandbox,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str | None] | None = None,
    authenticated: bool = True,
    timeout: float = 10.0,
) -> Reply:
    """One request to the API (``path`` below ``/api/v1``) or, if it starts with
    ``/__sandbox__``, to the control API. HTTP errors are returned, not raised."""
    url = (sb.url if path.startswith("/__sandbox__") else sb.api_url) + path
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    all_headers: dict[str, str] = {"Content-Type": "application/json"}
    if authenticated:
        all_headers["Authorization"] = _basic(SANDBOX_USER, SANDBOX_PASSWORD)
        all_headers["X-Billbee-Api-Key"] = SANDBOX_KEY
    for name, value in (headers or {}).items():
        if value is None:  # None removes a header
            all_headers.pop(name, None)
        else:
            all_headers[name] = value
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        try:
            return Reply(error.code, error.headers, error.read())
        finally:
            error.close()


def get(sb: Sandbox, path: str, **params: Any) -> Reply:
    query = urllib.parse.urlencode(params, doseq=True)
    return call(sb, "GET", f"{path}?{query}" if query else path)


def all_rows(sb: Sandbox, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a paged list, page by page with pageSize 250."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = get(sb, path, page=page, pageSize=250, **params)
        assert reply.status == 200, reply.body[:300]
        envelope = reply.json
        rows.extend(envelope["Data"])
        if page >= envelope["Paging"]["TotalPages"]:
            return rows
        page += 1


def order_ids(sb: Sandbox, **params: Any) -> list[int]:
    return [o["BillBeeOrderId"] for o in all_rows(sb, "/orders", **params)]


def local(text: str) -> datetime:
    """A served naive timestamp as Berlin wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def naive_ms(moment: datetime) -> str:
    """Naive Berlin wall-clock time with milliseconds, as a client would send it back."""
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def latest_modification(orders: list[dict[str, Any]]) -> str:
    return max((o["LastModifiedAt"] for o in orders), key=local)


def november_order(orders: list[dict[str, Any]], field: str) -> dict[str, Any]:
    """An order whose ``field`` lies in November (CET, far from the October DST change) and
    has seconds and milliseconds, so that minute and millisecond precision both matter."""
    return next(
        o
        for o in orders
        if o[field]
        and o[field].startswith("2026-11-1")
        and "." in o[field]
        and o[field][17:19] != "00"
    )


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(
            {"Authorization": _basic(SANDBOX_USER, "the-login-password")}, id="wrong-password"
        ),
        pytest.param({"X-Billbee-Api-Key": "not-the-key"}, id="wrong-api-key"),
        pytest.param({"Authorization": None}, id="no-authorization-header"),
        pytest.param(
            {"Authorization": _basic("someone@else.example", SANDBOX_PASSWORD)}, id="user"
        ),
    ],
)
def test_bad_credentials_get_401_with_aspnet_message_and_basic_challenge(sandbox, headers):
    reply = call(sandbox, "GET", "/orders", headers=headers)

    assert reply.status == 401
    assert reply.json == {"Message": "Authorization has been denied for this request."}
    assert reply.headers["WWW-Authenticate"].startswith("Basic ")


def test_request_without_any_credentials_is_401(sandbox):
    reply = call(sandbox, "GET", "/enums/orderstates", authenticated=False)
    assert reply.status == 401
    assert "WWW-Authenticate" in reply.headers


def test_switched_off_api_module_gives_403_with_api_not_activated(sandbox):
    sandbox.configure(api_active=False)

    reply = call(sandbox, "GET", "/orders")

    assert reply.status == 403
    body = reply.json
    assert body["ErrorCode"] == 1
    assert body["ErrorDescription"] == "ApiNotActivated"
    assert body["Data"] is None

    sandbox.configure(api_active=True)
    assert call(sandbox, "GET", "/orders").status == 200


# ---------------------------------------------------------------- envelope and paging


def test_success_has_the_paged_envelope(sandbox):
    reply = get(sandbox, "/orders", pageSize=10)

    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    body = reply.json
    assert set(body) == {"Paging", "ErrorMessage", "ErrorCode", "ErrorDescription", "Data"}
    assert body["Paging"] == {"Page": 1, "TotalPages": 30, "TotalRows": 300, "PageSize": 10}
    assert body["ErrorMessage"] is None
    assert body["ErrorCode"] == 0
    assert body["ErrorDescription"] == "NoError"
    assert isinstance(body["Data"], list) and len(body["Data"]) == 10


def test_default_page_size_is_50(sandbox):
    body = get(sandbox, "/orders").json
    assert body["Paging"] == {"Page": 1, "TotalPages": 6, "TotalRows": 300, "PageSize": 50}
    assert len(body["Data"]) == 50


def test_page_size_250_is_the_largest_accepted(sandbox):
    body = get(sandbox, "/orders", pageSize=250).json
    assert body["Paging"]["PageSize"] == 250
    assert len(body["Data"]) == 250


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": 251}, "pageSize"),
        ({"pageSize": "ten"}, "pageSize"),
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
    ],
)
def test_invalid_paging_is_400_with_model_state_naming_the_parameter(sandbox, params, field):
    reply = get(sandbox, "/orders", **params)

    assert reply.status == 400
    body = reply.json
    assert body["Message"] == "The request is invalid."
    assert list(body["ModelState"]) == [field]
    assert body["ModelState"][field] and isinstance(body["ModelState"][field][0], str)


@pytest.mark.parametrize("size", [7, 50, 250])
def test_pages_cover_every_row_once_and_total_pages_is_rounded_up(sandbox, size):
    expected_pages = math.ceil(300 / size)
    seen: list[int] = []
    for page in range(1, expected_pages + 1):
        body = get(sandbox, "/orders", page=page, pageSize=size).json
        assert body["Paging"] == {
            "Page": page,
            "TotalPages": expected_pages,
            "TotalRows": 300,
            "PageSize": size,
        }
        seen.extend(o["BillBeeOrderId"] for o in body["Data"])
    assert len(seen) == 300
    assert len(set(seen)) == 300


def test_page_beyond_the_last_is_empty_with_correct_paging(sandbox):
    body = get(sandbox, "/orders", page=44, pageSize=7).json

    assert body["Data"] == []
    assert body["Paging"] == {"Page": 44, "TotalPages": 43, "TotalRows": 300, "PageSize": 7}
    assert body["ErrorCode"] == 0


# ---------------------------------------------------------------- routing


def test_unknown_path_is_404_with_aspnet_message(sandbox):
    reply = call(sandbox, "GET", "/orderz?page=1")

    assert reply.status == 404
    message = reply.json["Message"]
    assert message.startswith(NOT_FOUND_PREFIX)
    assert "/api/v1/orderz?page=1" in message


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/orders"),
        ("POST", "/enums/orderstates"),
        ("GET", "/orders/CreateInvoice/300000180000000"),
        ("DELETE", "/orders/300000180000000"),
    ],
)
def test_wrong_method_on_a_known_path_is_405(sandbox, method, path):
    reply = call(sandbox, method, path, body={} if method == "POST" else None)

    assert reply.status == 405
    assert reply.json == {
        "Message": f"The requested resource does not support http method '{method}'."
    }


def test_paths_and_query_parameter_names_are_case_insensitive(sandbox):
    shouting = call(sandbox, "GET", "/orders?PAGESIZE=2&PAGE=3")
    url = sandbox.url + "/API/V1/Orders?PageSize=2&page=3"
    request = urllib.request.Request(
        url,
        headers={
            "Authorization": _basic(SANDBOX_USER, SANDBOX_PASSWORD),
            "X-Billbee-Api-Key": SANDBOX_KEY,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        upper_path = jsonutil.loads(response.read())
    normal = get(sandbox, "/orders", pageSize=2, page=3).json

    assert shouting.status == 200
    assert shouting.json["Paging"] == normal["Paging"] == upper_path["Paging"]
    assert normal["Paging"]["PageSize"] == 2 and normal["Paging"]["Page"] == 3
    ids = [o["BillBeeOrderId"] for o in normal["Data"]]
    assert [o["BillBeeOrderId"] for o in shouting.json["Data"]] == ids
    assert [o["BillBeeOrderId"] for o in upper_path["Data"]] == ids


# ---------------------------------------------------------------- filters on GET /orders


@pytest.mark.parametrize(
    "style",
    [
        "shopId={a}&shopId={b}",
        "shopId[0]={a}&shopId[1]={b}",
        "shopId[]={a}&shopId[]={b}",
        "shopid[]={a}&SHOPID[]={b}",
    ],
)
def test_array_parameters_in_all_styles_give_the_same_result(sandbox, style):
    everything = all_rows(sandbox, "/orders")
    amazon, ebay = 100000000104511, 100000000104517
    expected = sorted(
        o["BillBeeOrderId"] for o in everything if o["Seller"]["BillbeeShopId"] in (amazon, ebay)
    )
    assert expected, "the data set should have Amazon and eBay orders"

    query = style.format(a=amazon, b=ebay).replace("[", "%5B").replace("]", "%5D")
    body = call(sandbox, "GET", f"/orders?pageSize=250&{query}").json

    assert body["Paging"]["TotalRows"] == len(expected)
    assert sorted(o["BillBeeOrderId"] for o in body["Data"]) == expected
    assert {o["Seller"]["Platform"] for o in body["Data"]} == {"Amazon", "eBay"}


def test_modified_at_min_is_exclusive_and_modified_at_max_inclusive(sandbox):
    everything = all_rows(sandbox, "/orders")
    order = november_order(everything, "LastModifiedAt")
    value = order["LastModifiedAt"]  # exactly as served
    moment = local(value)
    oid = order["BillBeeOrderId"]

    newer = order_ids(sandbox, modifiedAtMin=value)
    older = order_ids(sandbox, modifiedAtMax=value)

    assert oid not in newer
    assert oid in older
    assert sorted(newer) == sorted(
        o["BillBeeOrderId"] for o in everything if local(o["LastModifiedAt"]) > moment
    )
    assert sorted(older) == sorted(
        o["BillBeeOrderId"] for o in everything if local(o["LastModifiedAt"]) <= moment
    )
    assert len(newer) + len(older) == len(everything)

    # Bracketing it (one millisecond before, exactly at) returns just the orders modified then.
    bracket = order_ids(
        sandbox, modifiedAtMin=naive_ms(moment - timedelta(milliseconds=1)), modifiedAtMax=value
    )
    assert oid in bracket
    assert sorted(bracket) == sorted(
        o["BillBeeOrderId"] for o in everything if local(o["LastModifiedAt"]) == moment
    )


def test_order_date_filters_are_inclusive_on_both_ends(sandbox):
    everything = all_rows(sandbox, "/orders")
    order = november_order(everything, "CreatedAt")
    value, moment = order["CreatedAt"], local(order["CreatedAt"])

    since = order_ids(sandbox, minOrderDate=value)
    until = order_ids(sandbox, maxOrderDate=value)
    exactly = order_ids(sandbox, minOrderDate=value, maxOrderDate=value)

    assert sorted(since) == sorted(
        o["BillBeeOrderId"] for o in everything if local(o["CreatedAt"]) >= moment
    )
    assert sorted(until) == sorted(
        o["BillBeeOrderId"] for o in everything if local(o["CreatedAt"]) <= moment
    )
    assert order["BillBeeOrderId"] in exactly
    assert all(
        local(o["CreatedAt"]) == moment for o in everything if o["BillBeeOrderId"] in exactly
    )


def test_order_state_filter_takes_several_states(sandbox):
    everything = all_rows(sandbox, "/orders")
    expected = sorted(o["BillBeeOrderId"] for o in everything if o["State"] in (3, 8))

    found = all_rows(sandbox, "/orders", orderStateId=[3, 8])

    assert sorted(o["BillBeeOrderId"] for o in found) == expected
    assert {o["State"] for o in found} == {3, 8}


def test_shop_filter_never_returns_manual_orders(sandbox):
    everything = all_rows(sandbox, "/orders")
    shops = [s["Id"] for s in get(sandbox, "/shopaccounts").json["Data"]]
    manual = [o for o in everything if o["Seller"]["BillbeeShopId"] is None]
    assert manual, "the data set should have manual orders"

    found = all_rows(sandbox, "/orders", shopId=shops)

    assert len(found) == len(everything) - len(manual)
    assert all(o["Seller"]["BillbeeShopId"] in shops for o in found)
    assert not {o["BillBeeOrderId"] for o in manual} & {o["BillBeeOrderId"] for o in found}


def test_minimum_billbee_order_id_includes_that_id(sandbox):
    everything = all_rows(sandbox, "/orders")
    pivot = sorted(o["BillBeeOrderId"] for o in everything)[137]

    found = order_ids(sandbox, minimumBillBeeOrderId=pivot)

    assert sorted(found) == sorted(
        o["BillBeeOrderId"] for o in everything if o["BillBeeOrderId"] >= pivot
    )
    assert pivot in found and len(found) == 300 - 137


def test_tag_filter_and_its_exclusion_split_the_orders(sandbox):
    everything = all_rows(sandbox, "/orders")
    tags = [t for o in everything for t in o["Tags"]]
    tag = max(set(tags), key=tags.count)
    carrying = sorted(o["BillBeeOrderId"] for o in everything if tag in o["Tags"])

    with_tag = order_ids(sandbox, tag=tag)
    without_tag = order_ids(sandbox, tag=tag, excludeTags="true")

    assert sorted(with_tag) == carrying
    assert sorted(without_tag) == sorted(
        o["BillBeeOrderId"] for o in everything if tag not in o["Tags"]
    )
    assert len(with_tag) + len(without_tag) == 300


def test_date_parameters_accept_naive_offset_and_short_formats(sandbox):
    everything = all_rows(sandbox, "/orders")
    order = november_order(everything, "CreatedAt")
    oid = order["BillBeeOrderId"]
    moment = local(order["CreatedAt"])  # November: Berlin is UTC+1
    one_ms = timedelta(milliseconds=1)

    def ids(**params: Any) -> set[int]:
        return set(order_ids(sandbox, **params))

    naive = ids(minOrderDate=order["CreatedAt"])
    assert oid in naive
    # The same instant with an offset is converted, to the millisecond.
    as_utc = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    assert as_utc.endswith("+00:00")
    assert ids(minOrderDate=as_utc) == naive
    assert ids(minOrderDate=as_utc.replace("+00:00", "Z")) == naive
    new_york = moment.astimezone(ZoneInfo("America/New_York")).isoformat(timespec="milliseconds")
    assert ids(minOrderDate=new_york) == naive
    assert oid not in ids(minOrderDate=(moment + one_ms).astimezone(UTC).isoformat())
    # 'yyyy-MM-dd HH:mm' (C# SDK style) means that minute in the sandbox's zone.
    minute = moment.strftime("%Y-%m-%d %H:%M")
    assert oid in ids(minOrderDate=minute)
    assert oid not in ids(maxOrderDate=minute)
    assert ids(minOrderDate=minute) == {
        o["BillBeeOrderId"]
        for o in everything
        if local(o["CreatedAt"]) >= moment.replace(second=0, microsecond=0)
    }


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/orders", "modifiedAtMin"),
        ("/orders", "maxOrderDate"),
        ("/orders/invoices", "minInvoiceDate"),
    ],
)
def test_invalid_date_is_400_with_model_state(sandbox, path, parameter):
    reply = get(sandbox, path, **{parameter: "gestern"})

    assert reply.status == 400
    assert list(reply.json["ModelState"]) == [parameter]
    assert "gestern" in reply.json["ModelState"][parameter][0]


# ---------------------------------------------------------------- single orders


def test_single_order_by_id_and_unknown_id(sandbox):
    listed = get(sandbox, "/orders", pageSize=5, page=3).json["Data"][2]

    reply = call(sandbox, "GET", f"/orders/{listed['BillBeeOrderId']}")
    assert reply.status == 200
    assert reply.json["Data"] == listed
    assert reply.json["ErrorCode"] == 0

    missing = call(sandbox, "GET", "/orders/123456789")
    assert missing.status == 404
    assert missing.json["ErrorCode"] == 2
    assert missing.json["ErrorDescription"] == "OrderNotFound"
    assert missing.json["Data"] is None


def test_find_by_external_reference(sandbox):
    everything = all_rows(sandbox, "/orders")
    shopify = next(o for o in everything if (o["OrderNumber"] or "").startswith("#"))
    amazon = next(o for o in everything if o["Seller"]["Platform"] == "Amazon")

    for order in (shopify, amazon):
        ref = urllib.parse.quote(order["OrderNumber"], safe="")
        reply = call(sandbox, "GET", f"/orders/findbyextref/{ref}")
        assert reply.status == 200
        assert reply.json["Data"]["BillBeeOrderId"] == order["BillBeeOrderId"]
    assert "%23" in urllib.parse.quote(shopify["OrderNumber"], safe="")

    missing = call(sandbox, "GET", "/orders/findbyextref/%23999999")
    assert missing.status == 404
    assert missing.json["ErrorCode"] == 2


# ---------------------------------------------------------------- changes


def test_state_change_moves_last_modified_forward_and_into_incremental_sync(sandbox):
    everything = all_rows(sandbox, "/orders")
    high_water = latest_modification(everything)
    paid = next(o for o in everything if o["State"] == 3 and o["ShippedAt"] is None)
    oid = paid["BillBeeOrderId"]

    reply = call(sandbox, "PUT", f"/orders/{oid}/orderstate", {"NewStateId": 4})

    assert reply.status == 200
    assert reply.json["ErrorCode"] == 0
    after = call(sandbox, "GET", f"/orders/{oid}").json["Data"]
    assert after["State"] == 4
    assert after["ShippedAt"] is not None
    assert local(after["LastModifiedAt"]) > local(paid["LastModifiedAt"])
    assert order_ids(sandbox, modifiedAtMin=high_water) == [oid]


@pytest.mark.parametrize(
    "body",
    [{"NewStateId": 99}, {"NewStateId": 0}, {}, {"StateId": 4}, None],
    ids=["99", "0", "empty", "wrong-name", "no-body"],
)
def test_invalid_new_state_is_400_and_changes_nothing(sandbox, body):
    order = get(sandbox, "/orders", pageSize=1).json["Data"][0]
    path = f"/orders/{order['BillBeeOrderId']}/orderstate"

    reply = call(sandbox, "PUT", path, body)

    assert reply.status == 400
    assert any("NewStateId" in key for key in reply.json["ModelState"])
    assert call(sandbox, "GET", f"/orders/{order['BillBeeOrderId']}").json["Data"] == order


def test_boolean_new_state_is_rejected_and_state_stays_an_integer(sandbox):
    order = get(sandbox, "/orders", pageSize=1).json["Data"][0]
    oid = order["BillBeeOrderId"]

    reply = call(sandbox, "PUT", f"/orders/{oid}/orderstate", {"NewStateId": True})

    served = call(sandbox, "GET", f"/orders/{oid}").json["Data"]
    assert type(served["State"]) is int
    assert reply.status == 400
    assert served["State"] == order["State"]


def test_tags_are_added_case_insensitively_and_replaced_by_put(sandbox):
    order = next(o for o in get(sandbox, "/orders", pageSize=100).json["Data"] if not o["Tags"])
    oid = order["BillBeeOrderId"]

    assert (
        call(sandbox, "POST", f"/orders/{oid}/tags", {"Tags": ["Geprüft", "express"]}).status == 200
    )
    call(sandbox, "POST", f"/orders/{oid}/tags", {"Tags": ["GEPRÜFT", "Express", "Neu"]})
    added = call(sandbox, "GET", f"/orders/{oid}").json["Data"]
    assert added["Tags"] == ["Geprüft", "express", "Neu"]
    assert local(added["LastModifiedAt"]) > local(order["LastModifiedAt"])

    assert call(sandbox, "PUT", f"/orders/{oid}/tags", {"Tags": ["bb_import_done"]}).status == 200
    assert call(sandbox, "GET", f"/orders/{oid}").json["Data"]["Tags"] == ["bb_import_done"]
    assert order_ids(sandbox, tag="bb_import_done") == [oid]

    bad = call(sandbox, "POST", f"/orders/{oid}/tags", {"Tags": "Neu"})
    assert bad.status == 400


# ---------------------------------------------------------------- invoices


def _uninvoiced(orders: list[dict[str, Any]]) -> dict[str, Any]:
    return next(
        o
        for o in orders
        if o["InvoiceNumber"] is None
        and o["State"] not in (6, 8)
        and o["BillBeeParentOrderId"] is None
    )


def test_create_invoice_returns_number_date_total_and_a_real_pdf(sandbox):
    everything = all_rows(sandbox, "/orders")
    order = _uninvoiced(everything)
    oid = order["BillBeeOrderId"]
    highest = max(
        o["InvoiceNumber"]
        for o in everything
        if o["InvoiceNumber"] and not o["BillBeeParentOrderId"]
    )

    reply = call(sandbox, "POST", f"/orders/CreateInvoice/{oid}?includeInvoicePdf=true")

    assert reply.status == 200
    assert reply.json["ErrorCode"] == 0
    document = reply.json["Data"]
    after = call(sandbox, "GET", f"/orders/{oid}").json["Data"]
    assert after["InvoiceNumber"] == highest + 1  # the next number of the range
    assert document["InvoiceNumber"] == f"{after['InvoiceNumberPrefix']}{after['InvoiceNumber']}"
    assert document["InvoiceNumber"].startswith("RE-2026-")
    assert document["InvoiceDate"] == after["InvoiceDate"] is not None
    assert document["TotalGross"] == order["TotalCost"]
    assert isinstance(document["TotalGross"], Decimal)
    pdf = base64.b64decode(document["PDFData"], validate=True)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert document["InvoiceNumber"].encode() in pdf

    again = call(sandbox, "POST", f"/orders/CreateInvoice/{oid}").json["Data"]
    assert again["InvoiceNumber"] == document["InvoiceNumber"]
    assert again["PDFData"] is None and again["PdfDownloadUrl"]
    listed = all_rows(sandbox, "/orders/invoices")
    assert [d["InvoiceNumber"] for d in listed if d["BillbeeId"] == oid] == [
        document["InvoiceNumber"]
    ]


def test_create_invoice_for_cancelled_order_is_business_error_order_canceled(sandbox):
    everything = all_rows(sandbox, "/orders")
    cancelled = next(o for o in everything if o["State"] == 8 and o["BillBeeParentOrderId"] is None)
    oid = cancelled["BillBeeOrderId"]

    reply = call(sandbox, "POST", f"/orders/CreateInvoice/{oid}?includeInvoicePdf=true")

    assert reply.status == 200
    assert reply.json["ErrorCode"] == 5
    assert reply.json["ErrorDescription"] == "OrderCanceled"
    assert reply.json["Data"] is None
    after = call(sandbox, "GET", f"/orders/{oid}").json["Data"]
    assert after["InvoiceNumber"] == cancelled["InvoiceNumber"]


def test_invoice_list_holds_exactly_the_invoiced_documents_typed_by_kind(sandbox):
    orders = {o["BillBeeOrderId"]: o for o in all_rows(sandbox, "/orders")}
    documents = all_rows(sandbox, "/orders/invoices")

    invoiced = {oid for oid, o in orders.items() if o["InvoiceNumber"] is not None}
    assert {d["BillbeeId"] for d in documents} == invoiced
    assert len(documents) == len(invoiced)
    kinds = set()
    for document in documents:
        order = orders[document["BillbeeId"]]
        credit = (order["OrderNumber"] or "").endswith("-GS") or order["TotalCost"] < 0
        assert document["Type"] == ("creditnote" if credit else "invoice")
        kinds.add(document["Type"])
    assert kinds == {"invoice", "creditnote"}


def test_invoice_date_filters_are_inclusive(sandbox):
    documents = all_rows(sandbox, "/orders/invoices")
    dates = sorted({d["InvoiceDate"] for d in documents}, key=local)
    low, high = dates[len(dates) // 4], dates[3 * len(dates) // 4]

    found = all_rows(sandbox, "/orders/invoices", minInvoiceDate=low, maxInvoiceDate=high)

    expected = sorted(
        d["BillbeeId"] for d in documents if local(low) <= local(d["InvoiceDate"]) <= local(high)
    )
    assert sorted(d["BillbeeId"] for d in found) == expected
    assert {low, high} <= {d["InvoiceDate"] for d in found}
    assert 0 < len(found) < len(documents)


def test_invoice_positions_only_on_request(sandbox):
    with_positions = get(sandbox, "/orders/invoices", includePositions="true", pageSize=40).json
    without = get(sandbox, "/orders/invoices", includePositions="false", pageSize=40).json

    assert all(d["Positions"] is None for d in without["Data"])
    positions = [p for d in with_positions["Data"] for p in d["Positions"]]
    assert positions
    assert all(p["VatRate"] >= 0 for p in positions)
    assert all(isinstance(p["VatRate"], Decimal) for p in positions if p["VatRate"])
    assert {p["VatRate"] for p in positions} & {Decimal("19.00"), Decimal("7.00")}


# ---------------------------------------------------------------- reference data


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("/enums/orderstates", 17),
        ("/enums/paymenttypes", None),
        ("/enums/shippingcarriers", None),
        ("/enums/shipmenttypes", None),
    ],
)
def test_enum_endpoints_return_bare_lists_of_id_and_name(sandbox, path, size):
    body = call(sandbox, "GET", path).json

    assert isinstance(body, list) and body
    assert all(set(item) == {"Id", "Name"} for item in body)
    assert all(isinstance(item["Id"], int) and item["Name"] for item in body)
    if size is not None:
        assert [item["Id"] for item in body] == list(range(1, size + 1))


def test_shop_accounts_are_paged_and_name_the_order_shops(sandbox):
    body = get(sandbox, "/shopaccounts", pageSize=4).json
    everything = all_rows(sandbox, "/shopaccounts")

    assert body["Paging"] == {"Page": 1, "TotalPages": 3, "TotalRows": 10, "PageSize": 4}
    assert len(body["Data"]) == 4
    shop_ids = {s["Id"] for s in everything}
    used = {o["Seller"]["BillbeeShopId"] for o in all_rows(sandbox, "/orders")} - {None}
    assert used <= shop_ids


def test_products_are_paged_and_found_by_sku(sandbox):
    page = get(sandbox, "/products", pageSize=5, page=2).json
    assert page["Paging"]["PageSize"] == 5 and page["Paging"]["Page"] == 2
    assert len(page["Data"]) == 5
    product = page["Data"][1]

    by_sku = call(sandbox, "GET", f"/products/{product['SKU']}?lookupBy=sku")
    by_id = call(sandbox, "GET", f"/products/{product['Id']}")

    assert by_sku.status == 200
    assert by_sku.json["Data"] == product == by_id.json["Data"]
    missing = call(sandbox, "GET", "/products/NO-SUCH-SKU?lookupBy=sku")
    assert missing.status == 404
    assert missing.json["ErrorCode"] == 11


def test_update_stock_sets_the_absolute_stock(sandbox):
    product = get(sandbox, "/products", pageSize=1).json["Data"][0]
    sku, before = product["SKU"], product["StockCurrent"]

    first = call(
        sandbox,
        "POST",
        "/products/updatestock",
        raw=b'{"Sku": "%s", "NewQuantity": 17}' % sku.encode(),
    )
    second = call(sandbox, "POST", "/products/updatestock", {"Sku": sku, "NewQuantity": 3})

    assert first.status == 200 and first.json["ErrorCode"] == 0
    assert first.json["Data"]["SKU"] == sku
    assert first.json["Data"]["OldStock"] == before
    assert first.json["Data"]["CurrentStock"] == 17
    assert second.json["Data"]["OldStock"] == 17
    assert second.json["Data"]["CurrentStock"] == 3
    fetched = call(sandbox, "GET", f"/products/{sku}?lookupBy=sku").json["Data"]
    assert fetched["StockCurrent"] == 3


def test_update_stock_of_unknown_sku_is_invalid_data(sandbox):
    reply = call(sandbox, "POST", "/products/updatestock", {"Sku": "NO-SUCH-SKU", "NewQuantity": 5})

    assert reply.json["ErrorCode"] == 11
    assert reply.json["ErrorDescription"] == "InvalidData"
    assert reply.json["Data"] is None


def test_update_stock_with_a_non_number_is_400_and_leaves_stock_intact(sandbox):
    sku = get(sandbox, "/products", pageSize=1).json["Data"][0]["SKU"]

    try:
        reply = call(sandbox, "POST", "/products/updatestock", {"Sku": sku, "NewQuantity": "NaN"})
        status = reply.status
    except (OSError, http.client.HTTPException):
        status = None  # no HTTP response at all

    assert status == 400
    listing = call(sandbox, "GET", "/products")
    assert listing.status == 200


def test_customers_are_paged(sandbox):
    body = get(sandbox, "/customers", pageSize=25, page=2).json

    assert body["Paging"]["Page"] == 2 and body["Paging"]["PageSize"] == 25
    assert body["Paging"]["TotalPages"] == math.ceil(body["Paging"]["TotalRows"] / 25)
    assert len(body["Data"]) == 25
    customer = body["Data"][0]
    single = call(sandbox, "GET", f"/customers/{customer['Id']}").json["Data"]
    assert single == customer


# ---------------------------------------------------------------- throttling


def _assert_never_more_than_two_served_per_second(sb: Sandbox) -> None:
    per_second = sb.stats()["max_per_second"]
    assert per_second
    assert max(per_second.values()) <= 2


def test_third_immediate_request_to_an_endpoint_is_throttled_not_the_others(make_sandbox):
    sb = make_sandbox(orders=60, rate_limit=2)

    first, second, third = (call(sb, "GET", "/enums/orderstates") for _ in range(3))
    other = call(sb, "GET", "/enums/paymenttypes")

    assert (first.status, second.status, third.status) == (200, 200, 429)
    retry_after = third.headers["Retry-After"]
    assert retry_after.isdigit() and int(retry_after) >= 1
    assert other.status == 200
    time.sleep(int(retry_after) + 0.05)
    assert call(sb, "GET", "/enums/orderstates").status == 200
    stats = sb.stats()
    assert stats["throttled"] == 1
    assert stats["by_status"] == {"200": 4, "429": 1}
    _assert_never_more_than_two_served_per_second(sb)


def test_per_user_limit_applies_across_endpoints(make_sandbox):
    sb = make_sandbox(orders=60, rate_limit=2, user_rate_limit=3)

    statuses = [
        call(sb, "GET", path).status
        for path in (
            "/enums/orderstates",
            "/enums/paymenttypes",
            "/enums/shippingcarriers",
            "/enums/shipmenttypes",
        )
    ]

    assert statuses == [200, 200, 200, 429]
    assert sb.stats()["throttled"] == 1
    assert call(sb, "GET", "/customers").headers["Retry-After"].isdigit()


def test_invoice_list_page_and_date_are_throttled_for_the_scaled_minute(make_sandbox):
    sb = make_sandbox(orders=60, rate_limit=2, throttle_scale=0.02)  # 60 s → 1.2 s
    query = "/orders/invoices?page=1&minInvoiceDate=2026-10-01"

    first = call(sb, "GET", query)
    repeated = call(sb, "GET", query)
    other_page = call(sb, "GET", query.replace("page=1", "page=2"))

    assert first.status == 200 and other_page.status == 200
    assert repeated.status == 429
    assert int(repeated.headers["Retry-After"]) >= 1
    time.sleep(1.3)
    assert call(sb, "GET", query).status == 200
    assert sb.stats()["throttled"] == 1
    _assert_never_more_than_two_served_per_second(sb)


def test_create_invoice_is_throttled_per_order_for_the_scaled_five_minutes(make_sandbox):
    sb = make_sandbox(orders=60, rate_limit=2, throttle_scale=0.02)  # 300 s → 6 s
    orders = all_rows(sb, "/orders")
    candidates = [o for o in orders if o["State"] not in (6, 8) and not o["BillBeeParentOrderId"]]
    one, other = candidates[0]["BillBeeOrderId"], candidates[1]["BillBeeOrderId"]

    first = call(sb, "POST", f"/orders/CreateInvoice/{one}")
    again = call(sb, "POST", f"/orders/CreateInvoice/{one}")
    different = call(sb, "POST", f"/orders/CreateInvoice/{other}")

    assert first.status == 200 and first.json["ErrorCode"] == 0
    assert again.status == 429
    assert int(again.headers["Retry-After"]) >= 5
    assert different.status == 200
    assert sb.stats()["throttled"] == 1
    _assert_never_more_than_two_served_per_second(sb)


# ---------------------------------------------------------------- injected faults


@pytest.mark.parametrize(("retry_after", "header"), [(7, "7"), (0, "0"), (-1, None)])
def test_injected_429_carries_the_configured_retry_after(sandbox, retry_after, header):
    sandbox.configure(fail_next=["429"], fault_retry_after=retry_after)

    reply = call(sandbox, "GET", "/orders")

    assert reply.status == 429
    assert reply.headers.get("Retry-After") == header
    assert call(sandbox, "GET", "/orders").status == 200
    stats = sandbox.stats()
    assert stats["faults"] == {"429": 1}
    assert stats["throttled"] == 0


@pytest.mark.parametrize("fault", ["500", "502", "503"])
def test_injected_server_errors(sandbox, fault):
    sandbox.configure(fail_next=[fault])

    reply = call(sandbox, "GET", "/orders")

    assert reply.status == int(fault)
    assert "Message" in reply.json
    assert call(sandbox, "GET", "/orders").status == 200
    assert sandbox.stats()["faults"] == {fault: 1}


def test_malformed_body_is_status_200_and_a_cut_off_prefix(sandbox):
    sandbox.configure(fail_next=["malformed"])

    broken = call(sandbox, "GET", "/enums/orderstates")
    whole = call(sandbox, "GET", "/enums/orderstates")

    assert broken.status == 200
    with pytest.raises(ValueError):
        json.loads(broken.body)
    assert len(broken.body) < len(whole.body)
    assert whole.body.startswith(broken.body)
    assert len(whole.json) == 17


def test_reset_closes_the_connection_without_a_response(sandbox):
    sandbox.configure(fail_next=["reset"])

    with pytest.raises((OSError, http.client.HTTPException)):
        call(sandbox, "GET", "/orders")

    assert call(sandbox, "GET", "/orders").status == 200
    assert sandbox.stats()["faults"] == {"reset": 1}


def test_timeout_fault_holds_the_answer_for_the_fault_delay(sandbox):
    sandbox.configure(fail_next=["timeout"], fault_delay=0.5)

    started = time.monotonic()
    slow = call(sandbox, "GET", "/enums/orderstates")
    slow_seconds = time.monotonic() - started
    started = time.monotonic()
    fast = call(sandbox, "GET", "/enums/orderstates")
    fast_seconds = time.monotonic() - started

    assert slow.status == 200 and len(slow.json) == 17
    assert slow_seconds >= 0.5
    assert fast_seconds < 0.4
    assert fast.body == slow.body


def test_queued_faults_come_in_order_then_requests_succeed(sandbox):
    sandbox.configure(fail_next=["503", "500", "malformed", "503"])

    statuses = [call(sandbox, "GET", "/enums/orderstates").status for _ in range(6)]

    assert statuses == [503, 500, 200, 503, 200, 200]
    assert sandbox.stats()["faults"] == {"503": 2, "500": 1, "malformed": 1}


def test_random_faults_hit_every_api_request_but_not_the_control_api(sandbox):
    sandbox.configure(faults="500=1.0")

    assert [call(sandbox, "GET", "/orders").status for _ in range(5)] == [500] * 5
    assert call(sandbox, "GET", "/__sandbox__/health").json["ok"] is True
    assert sandbox.control("GET", "config")["faults"] == {"500": 1.0}

    sandbox.configure(faults="")
    assert call(sandbox, "GET", "/orders").status == 200
    assert sandbox.stats()["faults"] == {"500": 5}


@pytest.mark.parametrize(
    "spec",
    ["bogus=0.1", "500=1.5", "500=-0.1", "500=0.6,503=0.6", "500=often", "500"],
)
def test_invalid_fault_spec_is_refused_and_changes_nothing(sandbox, spec):
    sandbox.configure(faults="502=0.0")

    reply = call(sandbox, "POST", "/__sandbox__/config", {"faults": spec})

    assert reply.status == 400
    assert reply.json["error"]
    assert sandbox.control("GET", "config")["faults"] == {"502": 0.0}
    assert call(sandbox, "GET", "/orders").status == 200


# ---------------------------------------------------------------- control API


def test_churn_shows_up_exactly_in_the_next_incremental_query(sandbox):
    before = all_rows(sandbox, "/orders")
    high_water = latest_modification(before)
    known = {o["BillBeeOrderId"] for o in before}

    churn = sandbox.control(
        "POST",
        "churn",
        {"new_orders": 3, "state_changes": 4, "invoices": 2, "cancellations": 1},
    )

    assert len(churn["created"]) == 3
    assert not set(churn["created"]) & known
    assert min(churn["created"]) > max(known)
    assert 1 <= len(churn["changed"]) <= 7
    touched = set(churn["created"]) | set(churn["changed"])  # a new order may be invoiced too
    changed_rows = all_rows(sandbox, "/orders", modifiedAtMin=high_water)
    assert sorted(o["BillBeeOrderId"] for o in changed_rows) == sorted(touched)
    assert get(sandbox, "/orders").json["Paging"]["TotalRows"] == 303


RAW_ORDER = (
    b'{"BillBeeOrderId":300000189999993,"Id":null,"OrderNumber":"\xc3\x84-#42 \xe2\x82\xac",'
    b'"State":3,"VatMode":0,"CreatedAt":"2026-11-19T00:00:00",'
    b'"LastModifiedAt":"2026-11-20T17:59:59.9","TotalCost":34.9000000,"ShippingCost":0.0,'
    b'"OrderItems":[{"Quantity":2.000,"TotalPrice":-0.0100,'
    b'"TaxAmount":846.1929411764705882352941177,"TaxIndex":7,"Product":null}],'
    b'"Seller":{"Platform":null,"BillbeeShopName":null,"BillbeeShopId":null},'
    b'"PaymentMethod":143,"Tags":["Pr\xc3\xbcfen"],"SomethingNew":{"Nested":[1,"x",null,true]}}'
)


def test_raw_order_is_served_verbatim(sandbox):
    created = call(sandbox, "POST", "/__sandbox__/orders", raw=RAW_ORDER)
    assert created.status == 200
    oid = created.json["BillBeeOrderId"]
    assert oid == 300000189999993

    reply = call(sandbox, "GET", f"/orders/{oid}")

    assert reply.status == 200
    assert reply.json["Data"] == jsonutil.loads(RAW_ORDER)
    for literal in (b"34.9000000", b"0.0,", b"2.000", b"-0.0100", b"846.1929411764705882352941177"):
        assert literal in reply.body
    assert b'"\xc3\x84-#42 \xe2\x82\xac"' in reply.body
    # It takes part in filters like any other order.
    assert oid in order_ids(sandbox, orderStateId=3, minimumBillBeeOrderId=oid)
    ref = urllib.parse.quote("Ä-#42 €", safe="")
    assert call(sandbox, "GET", f"/orders/findbyextref/{ref}").json["Data"]["BillBeeOrderId"] == oid


def test_patch_changes_a_field_and_bumps_last_modified(sandbox):
    order = get(sandbox, "/orders", pageSize=1, page=9).json["Data"][0]
    oid = order["BillBeeOrderId"]

    patched = call(
        sandbox,
        "POST",
        f"/__sandbox__/orders/{oid}/patch",
        {"SellerComment": "Bitte klingeln", "State": 5},
    ).json

    served = call(sandbox, "GET", f"/orders/{oid}").json["Data"]
    assert served == patched
    assert served["SellerComment"] == "Bitte klingeln"
    assert served["State"] == 5
    assert local(served["LastModifiedAt"]) > local(order["LastModifiedAt"])
    assert oid in order_ids(sandbox, orderStateId=5)
    unchanged = {
        k: v for k, v in served.items() if k not in ("SellerComment", "State", "LastModifiedAt")
    }
    assert unchanged == {k: v for k, v in order.items() if k in unchanged}


def test_patch_of_a_raw_order_is_served(sandbox):
    oid = call(sandbox, "POST", "/__sandbox__/orders", raw=RAW_ORDER).json["BillBeeOrderId"]

    patched = sandbox.control("POST", f"orders/{oid}/patch", {"State": 5, "SellerComment": "x"})

    served = call(sandbox, "GET", f"/orders/{oid}").json["Data"]
    assert oid in order_ids(sandbox, orderStateId=5)
    assert patched["State"] == 5
    assert served["State"] == 5
    assert served["SellerComment"] == "x"
    assert local(served["LastModifiedAt"]) > local("2026-11-20T17:59:59.9")


def test_orders_stay_in_ascending_id_order_after_a_raw_insert(sandbox):
    raw = RAW_ORDER.replace(b"300000189999993", b"300000180000003")
    assert call(sandbox, "POST", "/__sandbox__/orders", raw=raw).json["BillBeeOrderId"] == (
        300000180000003
    )

    ids = order_ids(sandbox)

    assert 300000180000003 in ids
    assert ids == sorted(ids)


def test_stats_count_api_requests_by_endpoint_not_control_requests(sandbox):
    sandbox.control("POST", "stats/reset")
    call(sandbox, "GET", "/orders")
    call(sandbox, "GET", "/orders?page=2")
    call(sandbox, "GET", "/enums/orderstates")
    call(sandbox, "GET", "/orders/1")  # 404: counted under its endpoint
    call(sandbox, "GET", "/__sandbox__/health")
    sandbox.control("GET", "config")

    stats = sandbox.stats()

    assert stats["requests"] == 4
    assert stats["by_endpoint"] == {
        "GET /orders": 2,
        "GET /enums/orderstates": 1,
        "GET /orders/{id}": 1,
    }
    assert stats["by_status"] == {"200": 3, "404": 1}

    assert sandbox.control("POST", "stats/reset") == {"ok": True}
    cleared = sandbox.stats()
    assert cleared["requests"] == 0
    assert cleared["by_endpoint"] == {} and cleared["by_status"] == {}


def test_reset_restores_the_initial_data(make_sandbox):
    sandbox = make_sandbox()  # a server of its own: the shared one relies on reset
    first_page = call(sandbox, "GET", "/orders?pageSize=250").body
    target = get(sandbox, "/orders", pageSize=1, page=5).json["Data"][0]
    oid = target["BillBeeOrderId"]
    sku = get(sandbox, "/products", pageSize=1).json["Data"][0]["SKU"]
    stock = call(sandbox, "GET", f"/products/{sku}?lookupBy=sku").json["Data"]["StockCurrent"]
    call(sandbox, "PUT", f"/orders/{oid}/orderstate", {"NewStateId": 6})
    call(sandbox, "PUT", f"/orders/{oid}/tags", {"Tags": ["weg"]})
    call(sandbox, "POST", "/products/updatestock", {"Sku": sku, "NewQuantity": int(stock) + 99})
    raw_id = call(sandbox, "POST", "/__sandbox__/orders", raw=RAW_ORDER).json["BillBeeOrderId"]
    sandbox.control("POST", "churn", {"new_orders": 2})
    assert call(sandbox, "GET", "/orders?pageSize=250").body != first_page

    assert sandbox.control("POST", "reset") == {"ok": True, "orders": 300}

    assert call(sandbox, "GET", "/orders?pageSize=250").body == first_page
    assert call(sandbox, "GET", f"/orders/{oid}").json["Data"] == target
    assert call(sandbox, "GET", f"/orders/{raw_id}").status == 404
    assert get(sandbox, "/orders").json["Paging"]["TotalRows"] == 300
    assert (
        call(sandbox, "GET", f"/products/{sku}?lookupBy=sku").json["Data"]["StockCurrent"] == stock
    )


def test_control_order_list_names_every_order_as_the_api_serves_them(sandbox):
    raw_id = call(sandbox, "POST", "/__sandbox__/orders", raw=RAW_ORDER).json["BillBeeOrderId"]

    listed = sandbox.control("GET", "orders")

    assert listed["ids"] == order_ids(sandbox)
    assert raw_id in listed["ids"]
    assert len(listed["ids"]) == 301


# ---------------------------------------------------------------- the command line


def test_the_command_line_serves_429_without_retry_after_and_added_latency(tmp_path):
    """``billbee_sandbox --faults 429=1 --fault-retry-after -1 --latency 100-120``: every
    answer is a 429 without the header, after a tenth of a second on the way."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "billbee_sandbox",
            "--port=0",
            "--orders=20",
            *("--username", SANDBOX_USER, "--api-password", SANDBOX_PASSWORD),
            *("--api-key", SANDBOX_KEY, "--faults", "429=1"),
            "--fault-retry-after=-1",
            "--latency=100-120",
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split("Billbee sandbox: ", 1)[1].split(" ", 1)[0]
        server = Sandbox.__new__(Sandbox)
        server.url, server.api_url = url.rsplit("/api/v1", 1)[0], url
        config = call(server, "GET", "/__sandbox__/config").json
        assert (config["fault_retry_after"], config["latency_ms"]) == (-1, [100.0, 120.0])

        started = time.monotonic()
        reply = call(server, "GET", "/enums/orderstates")

        assert time.monotonic() - started >= 0.1
        assert reply.status == 429
        assert reply.headers.get("Retry-After") is None
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_the_crafted_bad_orders_are_served_as_raw_json(sandbox):
    from billbee.sandbox.hostile import SHAPES

    added = {a["shape"]: a["BillBeeOrderId"] for a in sandbox.control("POST", "hostile")["orders"]}

    assert set(SHAPES) <= set(added)
    nul = urllib.request.urlopen(f"{sandbox.url}/__sandbox__/orders/{added['nul_in_order_number']}")
    assert b'"OrderNumber":"X-\\u0000-1"' in nul.read().replace(b" ", b"")
    duplicate = sandbox.raw_get(f"/orders/{added['duplicate_invoice_number_b']}")["Data"]
    original = sandbox.raw_get(f"/orders/{added['duplicate_invoice_number_a']}")["Data"]
    assert duplicate["InvoiceNumber"] == original["InvoiceNumber"]
    assert duplicate["BillBeeOrderId"] != original["BillBeeOrderId"]
    huge = sandbox.raw_get(f"/orders/{added['total_1e30_text']}")["Data"]
    assert huge["TotalCost"] == "1E+30"
    again = {a["shape"]: a["BillBeeOrderId"] for a in sandbox.control("POST", "hostile")["orders"]}
    assert not set(again.values()) & set(added.values())


def test_a_customers_orders_are_listed_and_paged(sandbox):
    orders = get(sandbox, "/orders", pageSize=250).json["Data"]
    customer_id = orders[0]["Customer"]["Id"]
    expected = sorted(o["BillBeeOrderId"] for o in orders if o["Customer"]["Id"] == customer_id)

    body = get(sandbox, f"/customers/{customer_id}/orders", pageSize=250).json

    assert sorted(o["BillBeeOrderId"] for o in body["Data"])[: len(expected)] == expected
    assert {o["Customer"]["Id"] for o in body["Data"]} == {customer_id}
    assert body["Paging"]["TotalRows"] >= len(expected)
    missing = call(sandbox, "GET", "/customers/1/orders")
    assert missing.status == 404
