"""Stored sentences that travel in bookkeeping's plain data (the period report's rows, the
export page's open documents) before a page shows them: carried as the ``Text`` their stored
data gives back, said in the reader's language where they are shown (connector/texts.py)."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from connector.texts import Text, load


def sentence_of(english: str, data: Any) -> str:
    """The stored sentence ``english`` as its ``Text`` when ``data`` gives it back; else the
    English as stored (rows stored before the sentences' data)."""
    text = load(data)
    return text if text is not None and text == english else english


def in_reader_language(sentence: str) -> str:
    """A sentence carried as ``sentence_of`` made it, in the active language; as stored where
    no language is active (the CSV files, English data whatever the reader's language)."""
    if isinstance(sentence, Text) and translation.get_language() is not None:
        return sentence.render()
    return str(sentence)
