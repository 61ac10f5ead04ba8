"""Secure, namespace-agnostic reading of XML statements (ISO 20022 CAMT and the like).

ISO 20022 bumps the namespace with every version (``…camt.053.001.02`` … ``.08`` …), and some
banks declare only a prefixed namespace so that the elements carry none at all. The helpers
therefore match elements by their local name only.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from .errors import StatementFormatError


def parse_xml_securely(data: bytes, what: str) -> etree._Element:
    """Parse ``data`` without network access, entity expansion or DTDs.

    A statement never needs a DTD; a file that brings one (the "billion laughs" and external
    entity attacks do) is refused before anything is expanded. ``what`` names the expected
    format in the messages ("CAMT-Kontoauszug").
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    refused = StatementFormatError(
        "Die Datei enthält eine Dokumenttyp-Definition (DTD) mit möglichen Entitäten; ein "
        f"{what} enthält so etwas nie, deshalb wird sie aus Sicherheitsgründen nicht gelesen."
    )
    if _declares_dtd(data):
        raise refused
    try:
        root = etree.fromstring(data, parser)  # the parser above is hardened
    except etree.XMLSyntaxError as exc:
        raise StatementFormatError(
            f"Die Datei ist kein {what}: sie ist kein lesbares XML ({exc.msg})."
        ) from exc
    if root is None:
        raise StatementFormatError(f"Die Datei ist kein {what}: sie ist leer.")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:  # an encoding the scan missed
        raise refused
    return root


def _declares_dtd(data: bytes) -> bool:
    """Whether the prolog declares a DTD, checked before lxml sees the file at all."""
    head = data[:65536]
    return any(
        marker.encode(encoding) in head
        for marker in ("<!DOCTYPE", "<!ENTITY")
        for encoding in ("ascii", "utf-16-le", "utf-16-be")
    )


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments, entities, processing instructions
        return ""
    return tag.rpartition("}")[2]


def namespace(element: etree._Element) -> str:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return ""


def children(element: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if element is None:
        return
    for child in element:
        if local_name(child) == name:
            yield child


def child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element along ``path`` of local names, or None."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next(children(current, name), None)
    return current


def text(element: etree._Element | None, *path: str) -> str:
    """The stripped text of the first element along ``path``, or ""."""
    found = child(element, *path)
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def descendants(element: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if element is None:
        return
    for found in element.iter():
        if local_name(found) == name:
            yield found
