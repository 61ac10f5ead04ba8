"""Typed views of Billbee's JSON (billbee-api.md §3), built by tolerant parsers.

Rules every parser here follows:
- a missing key and ``null`` mean the same thing (manual orders have null Seller fields,
  discount lines have a null SKU, real payloads omit fields newer SDKs know);
- unknown keys are ignored, and the untouched payload stays available as ``raw``;
- unknown enum ids are kept as plain integers;
- money and quantities are ``Decimal`` exactly as sent; ids are Python ints (int64 safe);
- naive timestamps are read in the connection's zone (``billbee.parsing``);
- a value that cannot be understood raises ``BillbeeDataError`` naming the field, so that the
  caller can reject that one record with a reason and carry on with the rest.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .enums import order_state_label, payment_type_name
from .errors import BillbeeDataError
from .parsing import AMOUNT_LIMIT, parse_bool, parse_datetime, parse_decimal, parse_int, parse_str

ZERO = Decimal(0)


# The fast paths (``type(x) is ...``) matter: an order has ~50 such fields and the import
# parses hundreds of thousands of orders.


def _dec(raw: dict[str, Any], key: str, default: Decimal | None = None) -> Decimal | None:
    value = raw.get(key)
    if value is None:
        return default
    if type(value) is Decimal and value.is_finite() and -AMOUNT_LIMIT < value < AMOUNT_LIMIT:
        return value
    return parse_decimal(value, key)


def _dt(raw: dict[str, Any], key: str, tz: ZoneInfo) -> datetime | None:
    value = raw.get(key)
    if value is None:
        return None
    return parse_datetime(value, tz, key)


def _int(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None or type(value) is int:
        return value
    return parse_int(value, key)


def _obj(raw: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BillbeeDataError(f"{key}: expected an object, got {type(value).__name__}", field=key)
    return value


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BillbeeDataError(f"{key}: expected a list, got {type(value).__name__}", field=key)
    return value


@dataclass(slots=True)
class Address:
    billbee_id: int | None
    first_name: str | None
    last_name: str | None
    company: str | None
    name_addition: str | None
    street: str | None
    house_number: str | None
    line2: str | None
    zip: str | None
    city: str | None
    state: str | None
    country: str | None
    country_iso2: str | None
    email: str | None
    phone: str | None

    @property
    def country_code(self) -> str | None:
        """ISO-2 country: ``CountryISO2``, else ``Country`` when it holds a code (real data
        has ``Country: "DE"``)."""
        if self.country_iso2:
            return self.country_iso2.upper()
        if self.country and len(self.country) == 2:
            return self.country.upper()
        return None

    @property
    def display_name(self) -> str:
        person = " ".join(p for p in (self.first_name, self.last_name) if p)
        return ", ".join(p for p in (self.company, person) if p)


def parse_address(raw: dict[str, Any] | None) -> Address | None:
    if raw is None:
        return None
    g = raw.get
    return Address(
        billbee_id=_int(raw, "BillbeeId"),
        first_name=g("FirstName"),
        last_name=g("LastName"),
        company=g("Company"),
        name_addition=g("NameAddition"),
        street=g("Street"),
        house_number=parse_str(g("HouseNumber")),
        line2=g("Line2"),
        zip=parse_str(g("Zip")),
        city=g("City"),
        state=g("State"),
        country=g("Country"),
        country_iso2=g("CountryISO2"),
        email=g("Email"),
        phone=parse_str(g("Phone")),
    )


@dataclass(slots=True)
class Seller:
    """``OrderUser``: the shop connection an order came through (``Seller``) or the buyer."""

    platform: str | None
    billbee_shop_name: str | None
    billbee_shop_id: int | None
    id: str | None
    nick: str | None
    first_name: str | None
    last_name: str | None
    full_name: str | None
    email: str | None


def parse_seller(raw: dict[str, Any] | None) -> Seller | None:
    if raw is None:
        return None
    g = raw.get
    return Seller(
        platform=g("Platform"),
        billbee_shop_name=g("BillbeeShopName"),
        billbee_shop_id=_int(raw, "BillbeeShopId"),
        id=parse_str(g("Id")),
        nick=g("Nick"),
        first_name=g("FirstName"),
        last_name=g("LastName"),
        full_name=g("FullName"),
        email=g("Email"),
    )


@dataclass(slots=True)
class SoldProduct:
    id: str | None
    old_id: str | None
    billbee_id: int | None
    title: str | None
    sku: str | None
    sku_or_id: str | None
    ean: str | None
    weight: int | None
    is_digital: bool
    taric_code: str | None
    country_of_origin: str | None
    type: int | None


def parse_sold_product(raw: dict[str, Any] | None) -> SoldProduct | None:
    if raw is None:
        return None
    g = raw.get
    return SoldProduct(
        id=parse_str(g("Id")),
        old_id=parse_str(g("OldId")),
        billbee_id=_int(raw, "BillbeeId"),
        title=g("Title"),
        sku=parse_str(g("SKU")),
        sku_or_id=parse_str(g("SkuOrId")),
        ean=parse_str(g("EAN")),
        weight=_int(raw, "Weight"),
        is_digital=parse_bool(g("IsDigital")),
        taric_code=parse_str(g("TARICCode")),
        country_of_origin=g("CountryOfOrigin"),
        type=_int(raw, "Type"),
    )


@dataclass(slots=True)
class OrderItem:
    billbee_id: int | None
    transaction_id: str | None
    product: SoldProduct | None
    quantity: Decimal
    total_price: Decimal
    unrebated_total_price: Decimal | None
    # None when Billbee sent none: not the same as a TaxAmount of 0.
    tax_amount: Decimal | None
    tax_index: int | None
    discount: Decimal
    is_coupon: bool
    dont_adjust_stock: bool
    invoice_sku: str | None
    serial_number: str | None
    attributes: list[tuple[str | None, str | None]]

    @property
    def sku(self) -> str | None:
        if self.invoice_sku:
            return self.invoice_sku
        return self.product.sku if self.product else None

    @property
    def title(self) -> str | None:
        return self.product.title if self.product else None


def parse_order_item(raw: dict[str, Any]) -> OrderItem:
    if not isinstance(raw, dict):
        raise BillbeeDataError("OrderItems: an item is not an object", field="OrderItems")
    attributes = [
        (a.get("Name"), parse_str(a.get("Value")))
        for a in _list(raw, "Attributes")
        if isinstance(a, dict)
    ]
    return OrderItem(
        billbee_id=_int(raw, "BillbeeId"),
        transaction_id=parse_str(raw.get("TransactionId")),
        product=parse_sold_product(_obj(raw, "Product")),
        quantity=_dec(raw, "Quantity", ZERO),  # type: ignore[arg-type]
        total_price=_dec(raw, "TotalPrice", ZERO),  # type: ignore[arg-type]
        unrebated_total_price=_dec(raw, "UnrebatedTotalPrice"),
        tax_amount=_dec(raw, "TaxAmount"),
        tax_index=_int(raw, "TaxIndex"),
        discount=_dec(raw, "Discount", ZERO),  # type: ignore[arg-type]
        is_coupon=parse_bool(raw.get("IsCoupon")),
        dont_adjust_stock=parse_bool(raw.get("DontAdjustStock")),
        invoice_sku=parse_str(raw.get("InvoiceSKU")),
        serial_number=parse_str(raw.get("SerialNumber")),
        attributes=attributes,
    )


@dataclass(slots=True)
class Shipment:
    billbee_id: int | None
    shipping_id: str | None
    shipper: str | None
    created: datetime | None
    tracking_url: str | None
    shipping_provider_id: int | None
    shipping_provider_product_id: int | None
    shipping_carrier: int | None
    shipment_type: int | None

    @property
    def is_return(self) -> bool:
        return self.shipment_type == 1


def parse_shipment(raw: dict[str, Any], tz: ZoneInfo) -> Shipment:
    if not isinstance(raw, dict):
        raise BillbeeDataError("ShippingIds: an entry is not an object", field="ShippingIds")
    tracking_url = raw.get("TrackingUrl")
    return Shipment(
        billbee_id=_int(raw, "BillbeeId"),
        shipping_id=parse_str(raw.get("ShippingId")),
        shipper=raw.get("Shipper"),
        created=_dt(raw, "Created", tz),
        tracking_url=None if tracking_url in (None, "", "-") else tracking_url,
        shipping_provider_id=_int(raw, "ShippingProviderId"),
        shipping_provider_product_id=_int(raw, "ShippingProviderProductId"),
        shipping_carrier=_int(raw, "ShippingCarrier"),
        shipment_type=_int(raw, "ShipmentType"),
    )


@dataclass(slots=True)
class Payment:
    billbee_id: int | None
    transaction_id: str | None
    pay_date: datetime | None
    payment_type: int | None
    source_technology: str | None
    source_text: str | None
    pay_value: Decimal | None
    purpose: str | None
    name: str | None


def parse_payment(raw: dict[str, Any], tz: ZoneInfo) -> Payment:
    if not isinstance(raw, dict):
        raise BillbeeDataError("Payments: an entry is not an object", field="Payments")
    return Payment(
        billbee_id=_int(raw, "BillbeeId"),
        transaction_id=parse_str(raw.get("TransactionId")),
        pay_date=_dt(raw, "PayDate", tz),
        payment_type=_int(raw, "PaymentType"),
        source_technology=raw.get("SourceTechnology"),
        source_text=raw.get("SourceText"),
        pay_value=_dec(raw, "PayValue"),
        purpose=raw.get("Purpose"),
        name=raw.get("Name"),
    )


@dataclass(slots=True)
class Customer:
    id: int | None
    name: str | None
    email: str | None
    number: str | None
    vat_id: str | None
    type: int | None
    language_id: int | None


def parse_customer(raw: dict[str, Any] | None) -> Customer | None:
    if raw is None:
        return None
    return Customer(
        id=_int(raw, "Id"),
        name=raw.get("Name"),
        email=raw.get("Email"),
        number=parse_str(raw.get("Number")),
        vat_id=raw.get("VatId"),
        type=_int(raw, "Type"),
        language_id=_int(raw, "LanguageId"),
    )


@dataclass(slots=True)
class Order:
    billbee_order_id: int
    parent_order_id: int | None
    external_id: str | None
    order_number: str | None
    state: int
    vat_mode: int | None
    created_at: datetime | None
    shipped_at: datetime | None
    confirmed_at: datetime | None
    paid_at: datetime | None
    updated_at: datetime | None
    last_modified_at: datetime | None
    archived_at: datetime | None
    invoice_number_prefix: str | None
    invoice_number: int | None
    invoice_number_postfix: str | None
    invoice_date: datetime | None
    invoice_address: Address | None
    shipping_address: Address | None
    payment_method: int | None
    shipping_cost: Decimal
    total_cost: Decimal
    adjustment_cost: Decimal
    adjustment_reason: str | None
    paid_amount: Decimal | None
    currency: str | None
    tax_rate1: Decimal | None
    tax_rate2: Decimal | None
    items: list[OrderItem]
    seller: Seller | None
    buyer: Seller | None
    customer: Customer | None
    customer_number: str | None
    vat_id: str | None
    customer_vat_id: str | None
    merchant_vat_id: str | None
    tags: list[str]
    shipments: list[Shipment]
    payments: list[Payment]
    payment_reference: str | None
    payment_transaction_id: str | None
    is_cancelation_for: str | None
    delivery_source_country_code: str | None
    distribution_center: str | None
    language_code: str | None
    api_account_id: int | None
    api_account_name: str | None
    web_url: str | None
    raw: dict[str, Any] = field(repr=False)
    # The order's JSON text exactly as Billbee sent it (None when not known).
    raw_text: str | None = field(default=None, repr=False)

    @property
    def full_invoice_number(self) -> str | None:
        """Printed invoice number: prefix + number + postfix (billbee-api.md §3.1)."""
        if self.invoice_number is None:
            return None
        return (
            f"{self.invoice_number_prefix or ''}{self.invoice_number}"
            f"{self.invoice_number_postfix or ''}"
        )

    @property
    def platform(self) -> str | None:
        return self.seller.platform if self.seller else None

    @property
    def shop_name(self) -> str | None:
        return self.seller.billbee_shop_name if self.seller else None

    @property
    def shop_id(self) -> int | None:
        return self.seller.billbee_shop_id if self.seller else None

    @property
    def state_label(self) -> str:
        return order_state_label(self.state)

    @property
    def payment_method_name(self) -> str:
        return payment_type_name(self.payment_method)

    @property
    def buyer_vat_id(self) -> str | None:
        """The buyer's VAT id: ``CustomerVatId``, else the older ``VatId``, else the
        customer record's."""
        return (
            self.customer_vat_id or self.vat_id or (self.customer.vat_id if self.customer else None)
        ) or None

    @property
    def destination_country(self) -> str | None:
        for address in (self.shipping_address, self.invoice_address):
            if address and address.country_code:
                return address.country_code
        return None


def parse_order(raw: dict[str, Any], tz: ZoneInfo, text: str | None = None) -> Order:
    """One ``Order`` from its JSON object; raises ``BillbeeDataError`` naming the bad field."""
    if not isinstance(raw, dict):
        raise BillbeeDataError("order is not a JSON object")
    order_id = _int(raw, "BillBeeOrderId")
    if order_id is None:
        raise BillbeeDataError("BillBeeOrderId is missing", field="BillBeeOrderId")
    state = _int(raw, "State")
    g = raw.get
    tags = [str(t) for t in _list(raw, "Tags") if t is not None]
    return Order(
        billbee_order_id=order_id,
        parent_order_id=_int(raw, "BillBeeParentOrderId"),
        external_id=parse_str(g("Id")),
        order_number=parse_str(g("OrderNumber")),
        state=state if state is not None else 0,
        vat_mode=_int(raw, "VatMode"),
        created_at=_dt(raw, "CreatedAt", tz),
        shipped_at=_dt(raw, "ShippedAt", tz),
        confirmed_at=_dt(raw, "ConfirmedAt", tz),
        paid_at=_dt(raw, "PayedAt", tz),
        updated_at=_dt(raw, "UpdatedAt", tz),
        last_modified_at=_dt(raw, "LastModifiedAt", tz),
        archived_at=_dt(raw, "ArchivedAt", tz),
        invoice_number_prefix=parse_str(g("InvoiceNumberPrefix")),
        invoice_number=_int(raw, "InvoiceNumber"),
        invoice_number_postfix=parse_str(g("InvoiceNumberPostfix")),
        invoice_date=_dt(raw, "InvoiceDate", tz),
        invoice_address=parse_address(_obj(raw, "InvoiceAddress")),
        shipping_address=parse_address(_obj(raw, "ShippingAddress")),
        payment_method=_int(raw, "PaymentMethod"),
        shipping_cost=_dec(raw, "ShippingCost", ZERO),  # type: ignore[arg-type]
        total_cost=_dec(raw, "TotalCost", ZERO),  # type: ignore[arg-type]
        adjustment_cost=_dec(raw, "AdjustmentCost", ZERO),  # type: ignore[arg-type]
        adjustment_reason=g("AdjustmentReason"),
        paid_amount=_dec(raw, "PaidAmount"),
        currency=g("Currency"),
        tax_rate1=_dec(raw, "TaxRate1"),
        tax_rate2=_dec(raw, "TaxRate2"),
        items=[parse_order_item(i) for i in _list(raw, "OrderItems")],
        seller=parse_seller(_obj(raw, "Seller")),
        buyer=parse_seller(_obj(raw, "Buyer")),
        customer=parse_customer(_obj(raw, "Customer")),
        customer_number=parse_str(g("CustomerNumber")),
        vat_id=g("VatId") or None,
        customer_vat_id=g("CustomerVatId") or None,
        merchant_vat_id=g("MerchantVatId") or None,
        tags=tags,
        shipments=[parse_shipment(s, tz) for s in _list(raw, "ShippingIds")],
        payments=[parse_payment(p, tz) for p in _list(raw, "Payments")],
        payment_reference=parse_str(g("PaymentReference")),
        payment_transaction_id=parse_str(g("PaymentTransactionId")),
        is_cancelation_for=parse_str(g("IsCancelationFor")),
        delivery_source_country_code=(g("DeliverySourceCountryCode") or None),
        distribution_center=g("DistributionCenter"),
        language_code=g("LanguageCode"),
        api_account_id=_int(raw, "ApiAccountId"),
        api_account_name=g("ApiAccountName"),
        web_url=g("WebUrl"),
        raw=raw,
        raw_text=text,
    )


@dataclass(slots=True)
class InvoicePosition:
    billbee_id: int | None
    position: int | None
    amount: Decimal | None
    net_value: Decimal | None
    total_net_value: Decimal | None
    gross_value: Decimal | None
    total_gross_value: Decimal | None
    vat_rate: Decimal | None
    total_vat_amount: Decimal | None
    rebate_percent: Decimal | None
    article_billbee_id: int | None
    sku: str | None
    title: str | None


@dataclass(slots=True)
class InvoiceFee:
    type: str | None
    gross: Decimal | None
    net: Decimal | None
    vat_amount: Decimal | None
    vat_rate: Decimal | None


@dataclass(slots=True)
class InvoiceListItem:
    """An entry of ``GET /orders/invoices``: an invoice or a credit note (``type``)."""

    billbee_id: int
    invoice_number: str | None
    type: str | None
    order_number: str | None
    invoice_date: datetime | None
    pay_date: datetime | None
    total_net: Decimal | None
    total_gross: Decimal | None
    currency: str | None
    payment_type_id: int | None
    transaction_id: str | None
    vat_mode: int | None
    vat_flags: dict[str, Any]
    shipping_country: str | None
    merchant_vat_id: str | None
    customer_vat_id: str | None
    customer_number: int | None
    debtor_number: int | None
    company: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    shop_name: str | None
    additional_fees: list[InvoiceFee]
    positions: list[InvoicePosition]
    raw: dict[str, Any] = field(repr=False)

    @property
    def is_credit_note(self) -> bool:
        return (self.type or "").lower() == "creditnote"


def _parse_position(raw: dict[str, Any]) -> InvoicePosition:
    return InvoicePosition(
        billbee_id=_int(raw, "BillbeeId"),
        position=_int(raw, "Position"),
        amount=_dec(raw, "Amount"),
        net_value=_dec(raw, "NetValue"),
        total_net_value=_dec(raw, "TotalNetValue"),
        gross_value=_dec(raw, "GrossValue"),
        total_gross_value=_dec(raw, "TotalGrossValue"),
        vat_rate=_dec(raw, "VatRate"),
        total_vat_amount=_dec(raw, "TotalVatAmount"),
        rebate_percent=_dec(raw, "RebatePercent"),
        article_billbee_id=_int(raw, "ArticleBillbeeId"),
        sku=parse_str(raw.get("Sku")),
        title=raw.get("Title"),
    )


def _parse_fee(raw: dict[str, Any]) -> InvoiceFee:
    return InvoiceFee(
        type=raw.get("Type"),
        gross=_dec(raw, "Gross"),
        net=_dec(raw, "Net"),
        vat_amount=_dec(raw, "VatAmount"),
        vat_rate=_dec(raw, "VatRate"),
    )


def parse_invoice_list_item(raw: dict[str, Any], tz: ZoneInfo) -> InvoiceListItem:
    if not isinstance(raw, dict):
        raise BillbeeDataError("invoice is not a JSON object")
    billbee_id = _int(raw, "BillbeeId")
    if billbee_id is None:
        raise BillbeeDataError("BillbeeId is missing", field="BillbeeId")
    g = raw.get
    return InvoiceListItem(
        billbee_id=billbee_id,
        invoice_number=parse_str(g("InvoiceNumber")),
        type=g("Type"),
        order_number=parse_str(g("OrderNumber")),
        invoice_date=_dt(raw, "InvoiceDate", tz),
        pay_date=_dt(raw, "PayDate", tz),
        total_net=_dec(raw, "TotalNet"),
        total_gross=_dec(raw, "TotalGross"),
        currency=g("Currency"),
        payment_type_id=_int(raw, "PaymentTypeId"),
        transaction_id=parse_str(g("TransactionId")),
        vat_mode=_int(raw, "VatMode"),
        vat_flags=_obj(raw, "VatFlags") or {},
        shipping_country=g("ShippingCountry"),
        merchant_vat_id=g("MerchantVatId") or None,
        customer_vat_id=g("CustomerVatId") or None,
        customer_number=_int(raw, "CustomerNumber"),
        debtor_number=_int(raw, "DebtorNumber"),
        company=g("Company"),
        first_name=g("FirstName"),
        last_name=g("LastName"),
        email=g("Email"),
        shop_name=g("ShopName"),
        additional_fees=[
            _parse_fee(f) for f in _list(raw, "AdditionalFees") if isinstance(f, dict)
        ],
        positions=[_parse_position(p) for p in _list(raw, "Positions") if isinstance(p, dict)],
        raw=raw,
    )


@dataclass(slots=True)
class InvoiceDocument:
    """Result of ``POST /orders/CreateInvoice/{id}``."""

    order_number: str | None
    invoice_number: str | None
    invoice_date: datetime | None
    total_gross: Decimal | None
    total_net: Decimal | None
    pdf: bytes | None
    pdf_download_url: str | None
    # Why ``PDFData`` could not be used (not valid base64); the rest of the answer stands.
    pdf_error: str | None = None


def parse_invoice_document(raw: dict[str, Any], tz: ZoneInfo) -> InvoiceDocument:
    """The invoice Billbee created. A ``PDFData`` that is not valid base64 does not lose the
    answer: ``pdf`` is None and ``pdf_error`` says why, so that the caller keeps the invoice
    number and asks for the PDF again."""
    if not isinstance(raw, dict):
        raise BillbeeDataError("CreateInvoice: Data is not an object")
    pdf_data = raw.get("PDFData")
    pdf: bytes | None = None
    pdf_error: str | None = None
    if pdf_data:
        try:
            pdf = base64.b64decode(pdf_data, validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            pdf_error = f"PDFData is not valid base64 ({exc})"
    return InvoiceDocument(
        order_number=parse_str(raw.get("OrderNumber")),
        invoice_number=parse_str(raw.get("InvoiceNumber")),
        invoice_date=_dt(raw, "InvoiceDate", tz),
        total_gross=_dec(raw, "TotalGross"),
        total_net=_dec(raw, "TotalNet"),
        pdf=pdf,
        pdf_download_url=raw.get("PdfDownloadUrl"),
        pdf_error=pdf_error,
    )


@dataclass(slots=True)
class EnumItem:
    id: int
    name: str


def parse_enum_items(data: Any) -> list[EnumItem]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise BillbeeDataError("enum list is not a list")
    items = []
    for entry in data:
        if isinstance(entry, dict) and entry.get("Id") is not None:
            items.append(
                EnumItem(id=parse_int(entry["Id"], "Id") or 0, name=str(entry.get("Name") or ""))
            )
    return items


@dataclass(slots=True)
class ShopAccount:
    id: int
    account_type: int | None
    name: str | None
    last_sync_date: datetime | None
    last_sync_state: int | None


def parse_shop_account(raw: dict[str, Any], tz: ZoneInfo) -> ShopAccount:
    shop_id = _int(raw, "Id")
    if shop_id is None:
        raise BillbeeDataError("shop account without Id", field="Id")
    return ShopAccount(
        id=shop_id,
        account_type=_int(raw, "AccountType"),
        name=raw.get("Name"),
        last_sync_date=_dt(raw, "LastSyncDate", tz),
        last_sync_state=_int(raw, "LastSyncState"),
    )


@dataclass(slots=True)
class StockUpdateResult:
    sku: str | None
    old_stock: Decimal | None
    current_stock: Decimal | None
    unfulfilled_amount: Decimal | None
    message: str | None


def parse_stock_update(raw: dict[str, Any] | None) -> StockUpdateResult:
    raw = raw or {}
    return StockUpdateResult(
        sku=parse_str(raw.get("SKU")),
        old_stock=_dec(raw, "OldStock"),
        current_stock=_dec(raw, "CurrentStock"),
        unfulfilled_amount=_dec(raw, "UnfulfilledAmount"),
        message=raw.get("Message"),
    )


@dataclass(slots=True)
class ParseFailure:
    """A record of a page that could not be parsed; the page's other records are unaffected."""

    raw: Any
    error: BillbeeDataError
    text: str | None = None

    @property
    def billbee_id(self) -> int | None:
        if isinstance(self.raw, dict):
            for key in ("BillBeeOrderId", "BillbeeId", "Id"):
                value = self.raw.get(key)
                if isinstance(value, int):
                    return value
        return None


@dataclass(slots=True)
class Page:
    """One page of a paged list: parsed records plus the ones that failed to parse."""

    number: int
    total_pages: int | None
    total_rows: int | None
    page_size: int
    items: list[Any]
    failures: list[ParseFailure]

    def __len__(self) -> int:
        return len(self.items) + len(self.failures)
