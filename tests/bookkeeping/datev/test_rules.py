"""Every named lint rule has at least one negative case that produces exactly that finding."""

from __future__ import annotations

import pytest

from bookkeeping.datev import RULES
from bookkeeping.datev.rules import issue

from .test_lint_bookings import STRUCTURE_CASES
from .test_lint_file import FILE_CASES

# Rules covered by dedicated tests instead of the parametrized lists.
DEDICATED = {"file-empty", "too-many-rows"}  # test_lint_file / test_streaming


def test_every_rule_has_a_negative_case():
    covered = {case.rule for case in FILE_CASES} | {case.rule for case in STRUCTURE_CASES}
    assert set(RULES) - covered - DEDICATED == set()
    assert covered | DEDICATED <= set(RULES)


def test_rules_that_only_exist_in_files_or_only_in_structures():
    file_rules = {case.rule for case in FILE_CASES}
    structure_rules = {case.rule for case in STRUCTURE_CASES}
    # A written file cannot hold more than 8 Beleginfo pairs nor unrounded amounts.
    assert structure_rules - file_rules == {"beleginfo-count", "umsatz-precision"}
    assert "line-ending" in file_rules - structure_rules


def test_an_unknown_rule_name_is_a_bug_not_a_finding():
    with pytest.raises(KeyError, match="belegfeld-1"):
        issue(11, "belegfeld-1", "typo")
