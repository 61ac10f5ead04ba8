"""Normalising references, and finding them as whole tokens in a remittance text.

A reference (invoice number, order number, PaymentReference) is compared by its key: upper
case, letters and digits only, common prefixes ("RE", "Rechnung", "Best.", "Nr." …) removed
where a digit follows. A remittance text is cut into segments at commas, semicolons and
dates written with dots (so that neither "49,90" nor "04.10.2026" joins into one number), each
segment into alphanumeric chunks; every run of up to ``MAX_CHUNKS`` consecutive chunks, joined,
is a token. So a number that a bank broke over two
lines, or wrote with spaces, hyphens or slashes, is still found whole, while a longer number
that merely contains the reference ("RE-2026-104401" for "RE-2026-10440") is not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .types import DEFAULT_REFERENCE_PREFIXES

MAX_CHUNKS = 5  # "RE 2026 1 0440" (a reference broken at a line end) still joins up
MAX_KEY_LENGTH = 40
# Keys shorter than this are not matched: four digits are too often a year, an amount or a
# house number.
MIN_KEY_LENGTH = 5
# A word longer than this is not a prefix of a reference ("Verwendungszweck12345").
MAX_LEADING_WORD = 16

# Shop order numbers as Shopify writes them ("#1001"): three or four digits are too short to
# be matched alone, but with their hash they are the number as the shop shows it. Such a
# reference's key keeps the hash, and a text's token is only the hash with those digits.
_HASH_NUMBER = re.compile(r"^#\s*([0-9]{3,4})$")
_HASH_TOKEN = re.compile(r"(?<![0-9A-Z#])#\s?([0-9]{3,4})(?![0-9])")
_CHUNK = re.compile(r"[0-9A-Z]+")
_SEGMENT = re.compile(r"[,;]")
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
# A date written the German way ("04.10.2026", "4.10.26") is never a reference; it becomes a
# segment boundary so that its digits join neither each other nor a number beside them.
_DOTTED_DATE = re.compile(r"(?<![0-9.])[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{4}|[0-9]{2})(?![0-9.])")


def _alternatives(prefixes: tuple[str, ...]) -> str:
    words = {_NON_ALNUM.sub("", prefix.upper()) for prefix in prefixes}
    return "|".join(sorted((w for w in words if w), key=len, reverse=True))


@lru_cache(maxsize=16)
def prefix_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = _alternatives(prefixes)
    if not alternatives:
        return re.compile(r"(?!x)x")  # matches nothing
    return re.compile(rf"^(?:{alternatives})+(?=[0-9])")


@lru_cache(maxsize=16)
def _line_prefix_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """``prefix_pattern`` after every line break of a text, where a letter starts the line
    (``key_of`` strips prefixes only from a key that starts with a letter). It starts with the
    line break, not ``^``: the regular expression engine then jumps from one to the next."""
    alternatives = _alternatives(prefixes)
    if not alternatives:
        return re.compile(r"(?!x)x")
    return re.compile(rf"\n(?=[A-Z])(?:{alternatives})+(?=[0-9])")


def normalise(text: str, prefixes: tuple[str, ...] = DEFAULT_REFERENCE_PREFIXES) -> str:
    """The key of one reference: "Rechnung RE-2026-10440" → "202610440".

    Returns "" for a reference that is too short or has no digit to be matched safely."""
    return key_of(text, prefix_pattern(prefixes))


def key_of(text: str, prefixes: re.Pattern[str]) -> str:
    """``normalise`` with the prefix pattern already compiled (``prefix_pattern``)."""
    upper = text.upper()
    if "#" in upper:  # rare: spare every other reference the regular expression
        short = _HASH_NUMBER.match(upper.strip())
        if short:
            return f"#{short.group(1)}"
    joined = upper.replace("-", "").replace(" ", "")
    if not (joined.isascii() and joined.isalnum()):
        joined = _NON_ALNUM.sub("", upper)
    if not joined or joined.isalpha():  # no digit: a word, not a reference
        return ""
    if joined[0].isalpha():
        joined = _without_prefix(joined, prefixes)
    return joined if MIN_KEY_LENGTH <= len(joined) <= MAX_KEY_LENGTH else ""


# Not a character of a key, in a text of keys one per line.
_NON_KEY = re.compile(r"[^0-9A-Z\n]+")
# A shop number with its hash ("#1001", ``_HASH_NUMBER``) alone on a line.
_HASH_NUMBER_LINE = re.compile(r"^[^\S\n]*#[^\S\n]*([0-9]{3,4})[^\S\n]*$", re.MULTILINE)


def keys_of(texts: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """``normalise`` for many references at once, position by position.

    The index keys every reference of hundreds of thousands of open items; calling ``key_of``
    for each would spend most of the time in the calls. Here each step of ``key_of`` runs once
    over all the texts joined line by line: upper case (``str.upper`` makes no lower-case
    letter and no line break of another character), everything but letters and digits
    dropped, prefixes stripped; then the lines that are no key are emptied."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a text with a line break of its own
        pattern = prefix_pattern(prefixes)
        return [key_of(text, pattern) for text in texts]
    upper = joined.upper()
    # Most references are letters and digits with hyphens: spare them the regular expression.
    keys = upper.replace("-", "").replace(" ", "").replace("#", "")
    if not (keys.isascii() and keys.replace("\n", "").isalnum()):
        keys = _NON_KEY.sub("", upper)
    keys = _line_prefix_pattern(prefixes).sub("\n", f"\n{keys}")[1:]
    found = [
        key if MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH and not key.isalpha() else ""
        for key in keys.split("\n")
    ]
    if "#" in upper:
        line, start = 0, 0
        for match in _HASH_NUMBER_LINE.finditer(upper):
            line += upper.count("\n", start, match.start())
            start = match.start()
            found[line] = f"#{match.group(1)}"
    return found


def reference_tokens(text: str, prefixes: tuple[str, ...] = DEFAULT_REFERENCE_PREFIXES) -> set[str]:
    """The keys of every reference a remittance text may contain, as whole tokens."""
    pattern = prefix_pattern(prefixes)
    tokens: set[str] = (
        {f"#{digits}" for digits in _HASH_TOKEN.findall(text)} if "#" in text else set()
    )
    for segment in _SEGMENT.split(_DOTTED_DATE.sub(",", text.upper())):
        chunks = _CHUNK.findall(segment)
        count = len(chunks)
        for start in range(count):
            joined = chunks[start]
            # Prefixes are stripped from a key that starts with a letter, as in ``key_of``; all
            # the keys of one start begin alike.
            word = joined[0].isalpha()
            if joined.isalpha():
                # A word may lead a reference ("RE2026", "Best"), never stand inside one.
                if len(joined) > MAX_LEADING_WORD:
                    continue
            else:
                key = _without_prefix(joined, pattern) if word else joined
                if MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH:
                    tokens.add(key)
            for index in range(start + 1, min(count, start + MAX_CHUNKS)):
                chunk = chunks[index]
                if chunk.isalpha():
                    break
                joined += chunk
                if len(joined) > MAX_KEY_LENGTH + MAX_LEADING_WORD:
                    break
                key = _without_prefix(joined, pattern) if word else joined
                if MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH:
                    tokens.add(key)
    return tokens


def _without_prefix(joined: str, prefixes: re.Pattern[str]) -> str:
    found = prefixes.match(joined)
    return joined[found.end() :] if found else joined
