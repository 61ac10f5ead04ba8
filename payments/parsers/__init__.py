"""Parsers of bank and payment-provider statements. Each turns one file into a
``ParsedStatement`` of ``StatementLine``s (plain data, no database); a line that cannot be read
becomes a ``LineError`` with its reason and the others go on."""

from .base import LineError, ParsedStatement, StatementLine

__all__ = ["LineError", "ParsedStatement", "StatementLine"]
