"""Secure, namespace-agnostic, streaming reading of XML statements (ISO 20022 CAMT and the like).

ISO 20022 bumps the namespace with every version (``…camt.053.001.02`` … ``.08`` …), and some
banks declare only a prefixed namespace so that the elements carry none at all. Elements are
therefore matched by their local name only. A statement is read as a stream: each repeated
element (an entry) becomes a small ``Node`` tree of plain Python objects and is then dropped
from lxml's tree, so a file of 50,000 entries never sits in memory as a whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from lxml import etree

from connector.texts import Text

from .errors import StatementFormatError

EMPTY: dict[str, str] = {}


def secure_events(
    data: bytes, what: Text, tags: list[str] | None = None
) -> Iterator[tuple[str, etree._Element]]:
    """lxml's ``start``/``end`` events for the elements named in ``tags`` (local names, any
    namespace; all when None), then ``("done", root)``. Parsed without network access,
    entity expansion or DTDs; any XML error becomes a ``StatementFormatError``.

    A statement never needs a DTD; a file that brings one (the "billion laughs" and external
    entity attacks do) is refused before lxml sees it. ``what`` names the expected format in
    the messages (a ``Text``: "CAMT statement").
    """
    if _declares_dtd(data):
        raise _dtd_refused(what)
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        tag=[f"{{*}}{name}" for name in tags] if tags else None,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        yield from events
    except etree.XMLSyntaxError as exc:
        raise StatementFormatError(
            Text(
                "The file is not a {what}: it is not readable XML ({problem}).",
                what=what,
                problem=exc.msg,
            )
        ) from exc
    root = events.root
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:  # an encoding the scan missed
        raise _dtd_refused(what)
    yield "done", root


def _dtd_refused(what: Text) -> StatementFormatError:
    return StatementFormatError(
        Text(
            "The file contains a document type definition (DTD) with possible entities; a "
            "{what} never contains one, so it is not read, for safety.",
            what=what,
        )
    )


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


class Node:
    """One element as plain data: local name, text, attributes, children by local name."""

    __slots__ = ("attrib", "kids", "tag", "text")

    def __init__(self, tag: str, text: str | None, attrib: Any) -> None:
        self.tag = tag
        self.text = text
        self.attrib: dict[str, str] = dict(attrib) if attrib else EMPTY
        self.kids: dict[str, list[Node]] = {}

    def get(self, name: str, default: str = "") -> str:
        return self.attrib.get(name, default)


def to_node(element: etree._Element, skip: frozenset[str] = frozenset()) -> Node:
    """``element`` and its subtree as ``Node``s; direct children named in ``skip`` are left
    out."""
    root = Node(local_name(element), element.text, element.attrib)
    stack: list[tuple[etree._Element, Node, frozenset[str]]] = [(element, root, skip)]
    while stack:
        current, node, skipped = stack.pop()
        for sub in current:
            tag = sub.tag
            if not isinstance(tag, str):
                continue
            name = tag.rpartition("}")[2]
            if name in skipped:
                continue
            kid = Node(name, sub.text, sub.attrib)
            node.kids.setdefault(name, []).append(kid)
            if len(sub):
                stack.append((sub, kid, frozenset()))
    return root


def children(node: Node | None, name: str) -> list[Node]:
    if node is None:
        return []
    return node.kids.get(name, [])


def child(node: Node | None, *path: str) -> Node | None:
    """The first element along ``path`` of local names, or None."""
    for name in path:
        if node is None:
            return None
        found = node.kids.get(name)
        node = found[0] if found else None
    return node


def text(node: Node | None, *path: str) -> str:
    """The stripped text of the first element along ``path``, or ""."""
    found = child(node, *path)
    if found is None or not found.text:
        return ""
    return found.text.strip()


def descendants(node: Node | None, name: str) -> Iterator[Node]:
    if node is None:
        return
    stack = [node]
    while stack:
        current = stack.pop()
        if current.tag == name:
            yield current
        for kids in reversed(current.kids.values()):
            stack.extend(reversed(kids))
