"""Paging over real HTTP: every order exactly once, in the fewest requests, page by page."""

from __future__ import annotations

import math

import pytest

from billbee.dto import Order


def test_pages_over_more_than_a_thousand_orders(make_sandbox):
    sandbox = make_sandbox(orders=1234, seed=3)
    client = sandbox.client()
    pages = list(client.iter_orders())
    ids = [order.billbee_order_id for page in pages for order in page.items]

    assert len(ids) == 1234
    assert len(set(ids)) == 1234
    assert all(not page.failures for page in pages)
    assert [page.number for page in pages] == [1, 2, 3, 4, 5]
    assert [len(page.items) for page in pages] == [250, 250, 250, 250, 234]
    assert pages[0].total_rows == 1234 and pages[0].total_pages == 5
    # One request per page, no more.
    assert client.stats.requests == math.ceil(1234 / 250)
    assert sandbox.stats()["by_endpoint"] == {"GET /orders": 5}


def test_paging_is_lazy_one_page_at_a_time(make_sandbox):
    sandbox = make_sandbox(orders=600)
    client = sandbox.client()
    pages = client.iter_orders(page_size=100)
    first = next(pages)
    assert len(first.items) == 100
    assert isinstance(first.items[0], Order)
    # Nothing beyond the first page was requested yet.
    assert sandbox.stats()["requests"] == 1
    next(pages)
    assert sandbox.stats()["requests"] == 2


def test_limit_stops_early(sandbox):
    client = sandbox.client()
    items = [o for page in client.iter_orders(page_size=50, limit=120) for o in page.items]
    assert len(items) == 120
    assert sandbox.stats()["requests"] == 3


def test_empty_result_is_one_request(sandbox):
    client = sandbox.client()
    pages = list(client.iter_orders(states=[14], shop_ids=[1]))
    assert len(pages) == 1 and pages[0].items == [] and pages[0].total_rows == 0
    assert sandbox.stats()["requests"] == 1


@pytest.mark.parametrize("size", [0, 251])
def test_page_size_outside_billbee_limits_is_refused_before_sending(sandbox, size):
    client = sandbox.client()
    with pytest.raises(ValueError, match="page_size"):
        next(client.iter_orders(page_size=size))
    assert sandbox.stats()["requests"] == 0


def test_start_page_begins_at_a_later_page_and_reads_only_from_there(make_sandbox):
    sandbox = make_sandbox(orders=600)
    client = sandbox.client()
    every = [o.billbee_order_id for page in client.iter_orders(page_size=100) for o in page.items]
    sandbox.control("POST", "stats/reset")

    pages = list(client.iter_orders(page_size=100, start_page=5))

    assert [page.number for page in pages] == [5, 6]
    assert [o.billbee_order_id for page in pages for o in page.items] == every[400:]
    assert sandbox.stats()["by_endpoint"] == {"GET /orders": 2}


def test_get_product_by_sku_is_the_same_product_as_by_id(sandbox):
    from billbee.errors import BillbeeNotFound

    client = sandbox.client()
    listed = next(iter(client.iter_products(page_size=1))).items[0]

    assert client.get_product(listed["SKU"], "sku") == listed
    assert client.get_product(listed["Id"]) == listed
    with pytest.raises(BillbeeNotFound):
        client.get_product("NO-SUCH-SKU", "sku")
