"""Tools for AI assistants: a Model Context Protocol (MCP) server over one connection's
Billbee client and the connector's own knowledge (decisions, work queue, imports, months).

``toolbox`` holds the connection and the safety switches, ``billbee_tools`` and
``knowledge`` the tools as plain functions that return JSON-ready data, ``server`` puts them
on the MCP SDK's server and ``http`` guards the HTTP transport with a bearer token.
"""
