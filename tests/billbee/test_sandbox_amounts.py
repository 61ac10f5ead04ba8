"""The sandbox's data option for totals with more than two decimals (``--subcent-totals``):
Billbee computes TotalCost from four-place lines and may send it unrounded."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

CENT = Decimal("0.01")


def served_totals(sandbox: Any) -> list[Decimal]:
    totals: list[Decimal] = []
    page = 1
    while True:
        answer = sandbox.raw_get(f"/orders?pageSize=250&page={page}")
        totals += [order["TotalCost"] for order in answer["Data"]]
        if page >= answer["Paging"]["TotalPages"]:
            return totals
        page += 1


def unrounded(totals: list[Decimal]) -> list[Decimal]:
    return [t for t in totals if t != t.quantize(CENT)]


def test_every_total_with_a_sub_cent_rest_arrives_with_seven_decimals_on_request(make_sandbox):
    every = served_totals(make_sandbox(orders=300, subcent_totals=1.0))
    default = served_totals(make_sandbox(orders=300))
    never = served_totals(make_sandbox(orders=300, subcent_totals=0.0))

    assert len(unrounded(every)) > 2 * len(unrounded(default)) > 0
    assert all(-t.as_tuple().exponent == 7 for t in unrounded(every))
    assert unrounded(never) == []
    # The same orders, only the form of the total differs: printed, they are the same cents.
    assert [t.quantize(CENT, ROUND_HALF_UP) for t in every] == [
        t.quantize(CENT, ROUND_HALF_UP) for t in never
    ]


def test_the_command_refuses_a_share_outside_zero_to_one():
    with pytest.raises(CommandError, match=r"1\.5 is not a share between 0 and 1"):
        call_command("billbee_sandbox", "--subcent-totals", "1.5")
