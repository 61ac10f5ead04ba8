"""The HTTP transport (MCP streamable HTTP) behind a bearer token.

Every request must carry ``Authorization: Bearer <MCP_TOKEN>``; anything else is answered 401
before it reaches the MCP session. The token is compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from mcp.server.mcpserver import MCPServer

Scope = dict[str, Any]


class BearerTokenGuard:
    """ASGI middleware: lets a request through only with the expected bearer token."""

    def __init__(self, app: Any, token: str) -> None:
        if not token:
            raise ValueError("an empty token would let everybody in")
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._authorised(scope):
            body = json.dumps({"error": "a valid bearer token (MCP_TOKEN) is required"}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b'Bearer realm="billbee-connector"'),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _authorised(self, scope: Scope) -> bool:
        for name, value in scope.get("headers") or ():
            if name.lower() == b"authorization":
                return hmac.compare_digest(value, self._expected)
        return False


def serve_http(server: MCPServer, *, host: str, port: int, token: str) -> None:
    """Run the streamable HTTP transport at ``http://host:port/mcp`` until interrupted."""
    import anyio
    import uvicorn

    app = BearerTokenGuard(server.streamable_http_app(host=host), token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    anyio.run(uvicorn.Server(config).serve)
