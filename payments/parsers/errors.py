"""Errors shared by the statement parsers."""

from __future__ import annotations


class StatementFormatError(ValueError):
    """The file is not a statement of the expected format at all (not merely a broken line).

    The message is a sentence for the merchant, e.g. "Die Datei ist kein CAMT-Kontoauszug: …".
    """
