"""Stored sentences that travel in bookkeeping's plain data (the period report's rows, the
export page's open documents) before a page shows them: carried as the ``Text`` their stored
data gives back (``connector.texts.stored_text``), said in the reader's language where they
are shown."""

from __future__ import annotations

from django.utils import translation

from connector.texts import rendered


def in_reader_language(sentence: str) -> str:
    """A sentence carried as ``stored_text`` made it, in the active language; as stored where
    no language is active (the CSV files, English data whatever the reader's language)."""
    if translation.get_language() is None:
        return str(sentence)
    return rendered(sentence)
