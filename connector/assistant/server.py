"""The MCP server: the assistant tools with typed, documented parameters on the SDK's
``MCPServer`` (the ``mcp`` package, version 2).

Each tool answers with one JSON text (amounts as exact decimals, times in ISO 8601). A
refusal or a Billbee error is a tool error whose text says what to do; unexpected failures
are reported without details, so that nothing internal (and no secret) reaches the answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from billbee import jsonutil

from . import billbee_tools as bt
from . import knowledge as kn
from .toolbox import AssistantError, Toolbox

INSTRUCTIONS = (
    "Tools over one Billbee account (connection {name}) and its bookkeeping connector. Order "
    "states are Billbee ids: call get_order_states for their names (3 = paid, 4 = shipped). "
    "Lists return one page: ask for next_page when there is one. Writes (update_order_state, "
    "update_stock) first describe the change; call them again with confirm=true to apply it, "
    "and only after the user agreed. {writes}"
)

READ = ToolAnnotations(read_only_hint=True, open_world_hint=True)
LOCAL = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True)

Page = Annotated[int, Field(ge=1, description="1-based page number")]
PageSize = Annotated[
    int, Field(ge=1, le=250, description="records per page (Billbee: at most 250)")
]
Moment = Annotated[
    datetime | None,
    Field(description="ISO date/time, e.g. 2026-11-01 or 2026-11-01T08:00 (Billbee's clock)"),
]
Full = Annotated[bool, Field(description="the order exactly as Billbee sent it, not a summary")]
Confirm = Annotated[
    bool, Field(description="false: only describe the change; true: apply it (ask the user)")
]


def _answer(fn: Callable[..., Any]) -> Callable[..., str]:
    """The tool's data as JSON text; ``AssistantError`` as a tool error with its sentence."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> str:
        try:
            return jsonutil.dumps(fn(*args, **kwargs))
        except AssistantError as exc:
            raise ToolError(str(exc)) from None

    return run


def build_server(box: Toolbox) -> MCPServer:
    server = MCPServer(
        name="billbee-connector",
        instructions=INSTRUCTIONS.format(
            name=box.connection.name,
            writes="Writes are allowed on this server."
            if box.allow_writes
            else "This server is read-only: writes are refused.",
        ),
        log_level="WARNING",
    )
    _billbee_reads(server, box)
    _billbee_writes(server, box)
    _knowledge(server, box)
    return server


def _tool(server: MCPServer, annotations: ToolAnnotations) -> Callable[[Callable[..., Any]], Any]:
    def register(fn: Callable[..., Any]) -> Any:
        server.add_tool(_answer(fn), annotations=annotations, structured_output=False)
        return fn

    return register


def _billbee_reads(server: MCPServer, box: Toolbox) -> None:
    @_tool(server, READ)
    def list_orders(
        min_order_date: Moment = None,
        max_order_date: Moment = None,
        modified_since: Annotated[
            datetime | None, Field(description="changed after this moment (exclusive)")
        ] = None,
        modified_until: Annotated[
            datetime | None, Field(description="changed up to this moment (inclusive)")
        ] = None,
        state_ids: Annotated[
            list[int] | None, Field(description="only these Billbee order states (ids)")
        ] = None,
        shop_ids: Annotated[list[int] | None, Field(description="only these shops (ids)")] = None,
        tags: Annotated[list[str] | None, Field(description="only orders with these tags")] = None,
        customer_id: Annotated[
            int | None,
            Field(description="only this customer's orders (Billbee's list of the customer)"),
        ] = None,
        page: Page = 1,
        page_size: PageSize = 50,
        full: Full = False,
    ) -> dict[str, Any]:
        """List Billbee orders, newest filters first: by order date, by modification time,
        by state, shop and tag; one page of order summaries (state with its name, shop,
        customer, total, paid and shipped times)."""
        return bt.list_orders(
            box,
            min_order_date=min_order_date,
            max_order_date=max_order_date,
            modified_since=modified_since,
            modified_until=modified_until,
            state_ids=state_ids,
            shop_ids=shop_ids,
            tags=tags,
            customer_id=customer_id,
            page=page,
            page_size=page_size,
            full=full,
        )

    @_tool(server, READ)
    def get_order(
        id_or_number: Annotated[str, Field(description="Billbee order id or the shop's number")],
        full: Full = False,
    ) -> dict[str, Any]:
        """One Billbee order by its Billbee id or its order number."""
        return bt.get_order(box, id_or_number, full=full)

    @_tool(server, READ)
    def get_order_states() -> dict[str, Any]:
        """Billbee's order states: id, Billbee's name and the English name."""
        return bt.get_order_states(box)

    @_tool(server, READ)
    def list_products(
        min_created_at: Moment = None, page: Page = 1, page_size: PageSize = 50, full: Full = False
    ) -> dict[str, Any]:
        """List products (id, SKU, EAN, title, price, current stock); one page."""
        return bt.list_products(
            box, min_created_at=min_created_at, page=page, page_size=page_size, full=full
        )

    @_tool(server, READ)
    def list_customers(
        search: Annotated[
            str | None, Field(description="part of the name, e-mail or customer number")
        ] = None,
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> dict[str, Any]:
        """List customers (id, number, name, e-mail); one page, optionally narrowed by
        ``search`` within that page."""
        return bt.list_customers(box, search=search, page=page, page_size=page_size)

    @_tool(server, READ)
    def list_invoices(
        min_invoice_date: Moment = None,
        max_invoice_date: Moment = None,
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> dict[str, Any]:
        """List invoices and credit notes (Rechnungen, Gutschriften). Billbee answers each
        page and start date once a minute: a repeat within the minute is refused with the
        time to wait."""
        return bt.list_invoices(
            box,
            min_invoice_date=min_invoice_date,
            max_invoice_date=max_invoice_date,
            page=page,
            page_size=page_size,
        )


def _billbee_writes(server: MCPServer, box: Toolbox) -> None:
    @_tool(server, WRITE)
    def update_order_state(
        order_id: Annotated[int, Field(ge=1, description="Billbee order id")],
        new_state_id: Annotated[int, Field(ge=1, description="Billbee order state id")],
        confirm: Confirm = False,
    ) -> dict[str, Any]:
        """Change an order's state in Billbee (e.g. 3 = paid). Without confirm it only says
        what it would change; needs a server started with --allow-writes."""
        return bt.update_order_state(box, order_id, new_state_id, confirm=confirm)

    @_tool(server, WRITE)
    def update_stock(
        new_quantity: Annotated[str, Field(description="the new absolute stock, e.g. 12")],
        sku: Annotated[str | None, Field(description="the product's SKU")] = None,
        billbee_id: Annotated[int | None, Field(description="or its Billbee id")] = None,
        stock_id: Annotated[int | None, Field(description="the stock, if several")] = None,
        reason: Annotated[str | None, Field(description="shown in Billbee's history")] = None,
        confirm: Confirm = False,
    ) -> dict[str, Any]:
        """Set a product's stock (absolute) by SKU or Billbee id. Without confirm it only
        says what it would change; needs a server started with --allow-writes."""
        return bt.update_stock(
            box,
            new_quantity,
            sku=sku,
            billbee_id=billbee_id,
            stock_id=stock_id,
            reason=reason,
            confirm=confirm,
        )


def _knowledge(server: MCPServer, box: Toolbox) -> None:
    @_tool(server, LOCAL)
    def explain_order(
        key: Annotated[str, Field(description="order number, invoice number or Billbee id")],
    ) -> dict[str, Any]:
        """Why a document is (or is not) in the books: every check of the import's decision,
        the rule that decided, the booking (journal entries) and the versions. A document
        not imported yet is fetched from Billbee and decided without writing anything."""
        return kn.explain_order(box, key)

    @_tool(server, LOCAL)
    def work_queue() -> dict[str, Any]:
        """The work queue (Arbeitsvorrat): what waits for a person, why, and what to do."""
        return kn.get_work_queue(box)

    @_tool(server, LOCAL)
    def import_runs(
        limit: Annotated[int, Field(ge=1, le=100, description="most recent runs")] = 10,
    ) -> dict[str, Any]:
        """The latest imports from Billbee with their outcome, counts and reasons."""
        return kn.list_import_runs(box, limit)

    @_tool(server, LOCAL)
    def period_summary(
        year: Annotated[int, Field(ge=1990, le=2100)],
        month: Annotated[int, Field(ge=1, le=12)],
        compare_with_billbee: Annotated[
            bool, Field(description="also read Billbee's invoice register (slower)")
        ] = False,
    ) -> dict[str, Any]:
        """A month in the books: revenue per treatment and per country (OSS), totals, open
        items (OPOS), documents held back and whether the month is complete."""
        return kn.period_summary(box, year, month, compare_with_billbee=compare_with_billbee)

    @_tool(server, LOCAL)
    def search_upload_log(
        text: Annotated[
            str | None,
            Field(description="part of an order/invoice number, Billbee id, origin or reason"),
        ] = None,
        status: Annotated[
            str | None,
            Field(description="imported, updated, unchanged, skipped, excluded, rejected, waiting"),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=200)] = kn.LISTED,
    ) -> dict[str, Any]:
        """Search the upload log (the documents the imports read) of this connection."""
        return kn.search_upload_log(box, text, status=status, limit=limit)
