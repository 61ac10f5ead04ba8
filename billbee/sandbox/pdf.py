"""A small but valid PDF invoice, so that CreateInvoice(includeInvoicePdf=true) returns a real
document (one A4 page, Helvetica, WinAnsi text) without any PDF library."""

from __future__ import annotations

from typing import Any


def _escape(text: str) -> bytes:
    encoded = text.encode("cp1252", errors="replace")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def invoice_pdf(order: dict[str, Any], invoice_number: str, invoice_date: str) -> bytes:
    address = order.get("InvoiceAddress") or {}
    lines = [
        ("Rechnung " + invoice_number, 16),
        (f"Rechnungsdatum: {invoice_date[:10]}", 10),
        (f"Bestellnummer: {order.get('OrderNumber') or order.get('BillBeeOrderId')}", 10),
        (
            " ".join(
                p
                for p in (address.get("Company"), address.get("FirstName"), address.get("LastName"))
                if p
            ),
            10,
        ),
        (f"{address.get('Street') or ''} {address.get('HouseNumber') or ''}", 10),
        (f"{address.get('Zip') or ''} {address.get('City') or ''}", 10),
        ("", 10),
    ]
    for item in order.get("OrderItems") or []:
        title = (item.get("Product") or {}).get("Title") or "Position"
        lines.append(
            (
                f"{item.get('Quantity')} x {title}: {item.get('TotalPrice')} "
                f"{order.get('Currency') or 'EUR'}",
                10,
            )
        )
    lines.append((f"Versand: {order.get('ShippingCost')}", 10))
    lines.append((f"Gesamt: {order.get('TotalCost')} {order.get('Currency') or 'EUR'}", 12))
    content = b"BT\n/F1 10 Tf\n56 800 Td\n"
    for text, size in lines:
        content += b"/F1 %d Tf\n(" % size + _escape(text) + b") Tj\n0 -16 Td\n"
    content += b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
