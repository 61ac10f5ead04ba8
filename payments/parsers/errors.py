"""Errors shared by the statement parsers."""

from __future__ import annotations

from connector.texts import Text


class StatementFormatError(ValueError):
    """The file is not a statement of the expected format at all (not merely a broken line).

    The message is a sentence for the merchant, e.g. "The file is not a CAMT statement: …",
    raised as a ``Text`` where the sentence is ours (said in the reader's language).
    """


def reason_of(exc: BaseException) -> str:
    """The exception's sentence: the ``Text`` it was raised with (said in the reader's language
    later), else its message."""
    said = exc.args[0] if len(exc.args) == 1 else None
    return said if isinstance(said, Text) else str(exc)


def said_of(exc: BaseException) -> str:
    """The exception's sentence in the active language when it was raised with a ``Text``."""
    reason = reason_of(exc)
    return reason.render() if isinstance(reason, Text) else reason
