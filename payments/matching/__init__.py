"""The matching engine: statement lines against open items, as pure functions over plain data.
The payments models build ``OpenItem``s, call ``match_lines`` and store each
``LineMatch``; only ``auto`` results may be confirmed without a person."""

from .engine import match_lines
from .references import normalise, reference_tokens
from .types import (
    Candidate,
    CandidateKind,
    IgnoreRule,
    LineMatch,
    MatchConfig,
    MatchState,
    OpenItem,
)

__all__ = [
    "Candidate",
    "CandidateKind",
    "IgnoreRule",
    "LineMatch",
    "MatchConfig",
    "MatchState",
    "OpenItem",
    "match_lines",
    "normalise",
    "reference_tokens",
]
