"""The Billbee exception family.

Every error carries ``retryable``: True when the same call may succeed later without anyone
changing anything (throttling, 5xx, timeouts, a garbled page), False when a person must act
(credentials, validation, business errors such as "order cancelled").
"""

from __future__ import annotations

from typing import Any

from sentences import Text

AUTH_CHECKLIST = Text(
    "Check: (1) the username is the Billbee account login (the main user's user name or e-mail); "
    "(2) the password is the API password set under Settings → Billbee API → General settings, "
    "which is not the login password; (3) the API key is the developer key issued by Billbee "
    "support (header X-Billbee-Api-Key); (4) the API module is activated for the account."
)


class BillbeeError(Exception):
    """Base class. ``status`` is the HTTP status when there was a response."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        where = f"{self.method} {self.path}: " if self.method and self.path else ""
        return f"{where}{self.message}"


class BillbeeConnectionError(BillbeeError):
    """No usable HTTP response: DNS, refused connection, TLS, reset."""

    retryable = True

    def __init__(self, message: str, *, kind: str = "connection", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.kind = kind


class BillbeeTimeout(BillbeeConnectionError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, kind="timeout", **kwargs)


class BillbeeAuthError(BillbeeError):
    """401/403: the operator must fix credentials or the account's API access."""


class BillbeeApiNotActivated(BillbeeAuthError):
    """Envelope ErrorCode 1 (ApiNotActivated)."""


class BillbeeNotFound(BillbeeError):
    """404: the order (or path) does not exist."""


class BillbeeValidationError(BillbeeError):
    """400 with an ASP.NET ``ModelState``: the request was refused field by field."""

    def __init__(self, message: str, *, model_state: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.model_state = model_state

    @property
    def messages(self) -> list[str]:
        return [
            f"{field}: {text}" if field else text
            for field, texts in self.model_state.items()
            for text in texts
        ]


class BillbeeBusinessError(BillbeeError):
    """2xx with ``ErrorCode != 0`` (for example 5 OrderCanceled, 7 OrderNotPaid)."""

    def __init__(self, message: str, *, error_code: int, error_name: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.error_code = error_code
        self.error_name = error_name


class BillbeeThrottled(BillbeeError):
    """429 responses kept coming, or a per-resource throttle needs a longer pause than we wait.

    ``retry_after`` says when the call may be tried again (seconds).
    """

    retryable = True

    def __init__(
        self, message: str, *, retry_after: float, retry_after_sent: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        # False: Billbee answered 429 without a Retry-After header, and ``retry_after`` is the
        # client's own back-off for that request.
        self.retry_after_sent = retry_after_sent


class BillbeeServerError(BillbeeError):
    """5xx after the bounded retries (or at once for calls that must not be repeated)."""

    retryable = True


class BillbeeMalformedResponse(BillbeeError):
    """The body could not be parsed as the JSON Billbee sends."""

    retryable = True

    def __init__(self, message: str, *, head: bytes = b"", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.head = head


class BillbeeDataError(BillbeeError):
    """One record in an otherwise good response cannot be understood (stored as its reason)."""

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field
