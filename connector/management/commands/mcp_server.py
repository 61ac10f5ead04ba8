"""``mcp_server --connection NAME [--transport stdio|http] [--host H] [--port P] [--allow-writes]``

Serves the assistant tools (docs/mcp.md) over the Model Context Protocol: on stdin/stdout for
a desktop assistant that starts the command itself, or over HTTP (``/mcp``) for one that
connects to it, with the bearer token from ``MCP_TOKEN``. Read-only unless
``--allow-writes``. Logs go to stderr: stdout belongs to the protocol.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandParser

from connector.assistant.server import build_server
from connector.assistant.toolbox import Toolbox
from connector.cli import OperatorCommand, input_error, int_between, name_argument
from connector.errors import ConnectorError
from connector.services.connections import connection_default, connection_get

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class Command(OperatorCommand):
    help = "Serve the Billbee and bookkeeping tools to AI assistants (Model Context Protocol)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--connection", type=name_argument, help="connection name (default: the only one)"
        )
        parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
        parser.add_argument(
            "--host", default="127.0.0.1", help="HTTP: address to bind (default 127.0.0.1)"
        )
        parser.add_argument(
            "--port", type=int_between(1, 65535, "a port"), default=8765, help="HTTP port"
        )
        parser.add_argument(
            "--allow-writes",
            action="store_true",
            help="allow the tools that change Billbee (order state, stock), each with confirm",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = (
                connection_get(options["connection"])
                if options["connection"]
                else connection_default()
            )
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        token = os.environ.get("MCP_TOKEN", "")
        if options["transport"] == "http" and len(token) < 16:
            raise input_error(
                "--transport http needs a bearer token of at least 16 characters in MCP_TOKEN, "
                "e.g. MCP_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        server = build_server(Toolbox(connection, allow_writes=options["allow_writes"]))
        if options["transport"] == "stdio":
            server.run("stdio")
            return
        from connector.assistant.http import serve_http

        if options["host"] not in LOOPBACK:
            self.stderr.write(
                f"Serving on {options['host']}, not only this machine: put TLS in front of it."
            )
        serve_http(server, host=options["host"], port=options["port"], token=token)
