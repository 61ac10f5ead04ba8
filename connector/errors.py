"""The connector app's exception family."""

from __future__ import annotations


class ConnectorError(Exception):
    """An operator-facing error: the message says what to do."""


class ConnectionNotFound(ConnectorError):
    pass


class ConnectionIncomplete(ConnectorError):
    pass
