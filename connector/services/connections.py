"""Creating, updating and testing connections, and building their Billbee clients."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from billbee.client import BillbeeClient
from billbee.errors import (
    BillbeeApiNotActivated,
    BillbeeAuthError,
    BillbeeBusinessError,
    BillbeeConnectionError,
    BillbeeError,
    BillbeeMalformedResponse,
    BillbeeNotFound,
    BillbeeServerError,
    BillbeeThrottled,
)
from billbee.throttle import LocalRateLimiter, RateLimiter, RedisRateLimiter, ThrottlePolicy

from ..crypto import CredentialsUnreadable
from ..errors import ConnectionIncomplete, ConnectionNotFound
from ..models import Connection
from ..texts import Joined, Text, texts

_limiter_lock = threading.Lock()
_limiters: dict[str, RateLimiter] = {}


def shared_rate_limiter() -> RateLimiter:
    """The process-wide limiter: Redis-backed (shared by every worker on every machine) when
    ``BILLBEE_THROTTLE_REDIS_URL`` is set, else one in-process limiter for all clients here."""
    url = settings.BILLBEE_THROTTLE_REDIS_URL
    with _limiter_lock:
        limiter = _limiters.get(url)
        if limiter is None:
            limiter = RedisRateLimiter(url) if url else LocalRateLimiter()
            _limiters[url] = limiter
        return limiter


def default_policy() -> ThrottlePolicy:
    return ThrottlePolicy.billbee(settings.BILLBEE_RATE_LIMIT)


def connection_get(name: str) -> Connection:
    try:
        return Connection.objects.get(name=name)
    except Connection.DoesNotExist:
        known = ", ".join(Connection.objects.values_list("name", flat=True)) or "none yet"
        raise ConnectionNotFound(
            f"There is no connection named {name!r} (known: {known}). Create it with "
            f"`python manage.py connection_create {name} --api-url …`."
        ) from None


def connections_named(name: str | None) -> list[Connection]:
    """The connection of that name, or every active one (commands' ``--connection``)."""
    if name:
        return [connection_get(name)]
    return list(Connection.objects.filter(is_active=True))


def connection_default() -> Connection:
    """The only active connection, for commands where ``--connection`` is optional."""
    active = list(Connection.objects.filter(is_active=True)[:2])
    if len(active) == 1:
        return active[0]
    if not active:
        raise ConnectionNotFound(
            "There is no active connection. Create one with "
            "`python manage.py connection_create NAME --api-url …`."
        )
    raise ConnectionNotFound("There are several connections: name one with --connection.")


def connection_upsert(
    *,
    name: str,
    api_url: str | None = None,
    username: str | None = None,
    api_password: str | None = None,
    api_key: str | None = None,
    sender_country: str | None = None,
    chart: str | None = None,
    label: str | None = None,
    time_zone: str | None = None,
    billbee_clock: str | None = None,
) -> tuple[Connection, bool, list[str]]:
    """Create the connection or update the given fields (None = leave as is).

    Returns (connection, created, names of changed fields). Credentials are compared without
    being shown anywhere.
    """
    connection = Connection.objects.filter(name=name).first()
    created = connection is None
    if connection is None:
        connection = Connection(name=name)
    plain = {
        "api_url": api_url,
        "username": username,
        "sender_country": sender_country.upper() if sender_country else None,
        "chart": chart.lower() if chart else None,
        "label": label,
        "time_zone": time_zone,
        "billbee_clock": billbee_clock,
    }
    changed = []
    for field_name, value in plain.items():
        if value is not None and getattr(connection, field_name) != value:
            setattr(connection, field_name, value)
            changed.append(field_name)
    for field_name, value in (("api_password", api_password), ("api_key", api_key)):
        if value and connection.secret(field_name) != value:
            setattr(connection, field_name, value)
            changed.append(field_name)
    if created:
        missing = [
            label
            for label, present in (
                ("username", connection.username),
                ("API password", connection.has_api_password),
                ("API key", connection.has_api_key),
            )
            if not present
        ]
        if missing:
            raise ConnectionIncomplete(
                f"Cannot create connection {name!r}: missing {', '.join(missing)}. Pass them "
                "as options or set BILLBEE_USERNAME, BILLBEE_API_PASSWORD and BILLBEE_API_KEY."
            )
    connection.full_clean()
    if created or changed:
        connection.save()
    if created:
        from .channels import channel_rules_create_defaults

        channel_rules_create_defaults(connection)
    return connection, created, changed


def connection_client(
    connection: Connection,
    *,
    policy: ThrottlePolicy | None = None,
    limiter: RateLimiter | None = None,
    timeout: float | None = None,
) -> BillbeeClient:
    if not (connection.username and connection.has_api_password and connection.has_api_key):
        raise ConnectionIncomplete(
            f"Connection {connection.name!r} has no complete credentials (username, API "
            "password and API key are all needed)."
        )
    if connection.credentials_unreadable:
        raise CredentialsUnreadable(
            f"The stored credentials of connection {connection.name!r} cannot be decrypted "
            "with the current CREDENTIALS_KEY: enter them again (in the console or with "
            "connection_create), or put the old key back at the end of CREDENTIALS_KEY."
        )
    policy = policy or default_policy()
    return BillbeeClient(
        username=connection.username,
        api_password=connection.secret("api_password"),
        api_key=connection.secret("api_key"),
        base_url=connection.api_url,
        # Billbee's naive timestamps (answers and filter values) are in Billbee's clock.
        timezone=connection.billbee_zone,
        timeout=timeout or settings.BILLBEE_TIMEOUT,
        policy=policy,
        limiter=limiter
        if limiter is not None
        else (shared_rate_limiter() if policy.enabled else None),
    )


@dataclass
class Check:
    name: str
    ok: bool
    message: str
    required: bool = True


@dataclass
class ConnectionTestResult:
    connection: str
    api_url: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if c.required)

    def as_dict(self) -> dict[str, Any]:
        return {
            "connection": self.connection,
            "api_url": self.api_url,
            "ok": self.ok,
            "checks": [asdict(c) for c in self.checks],
        }


def explain(exc: BaseException, connection: Connection, what: str = "") -> str:
    """Turn a client error into a sentence an operator can act on (a ``Text`` where the
    sentence is ours; the client's own messages as it wrote them)."""
    url = connection.api_url
    if isinstance(exc, BillbeeConnectionError):
        return _connection_failure(exc, url)
    if isinstance(exc, BillbeeApiNotActivated | BillbeeAuthError):
        return exc.message
    if isinstance(exc, BillbeeNotFound):
        return Text(
            "{url} answered 404 for {what}: this is not the Billbee API base URL. It must end "
            "with /api/v1 (e.g. https://api.billbee.io/api/v1).",
            url=url,
            what=what or exc.path,
        )
    if isinstance(exc, BillbeeMalformedResponse):
        return Text(
            "{url} answered with something that is not the Billbee API ({problem}). Check the "
            "API URL: a login page or a proxy's error page is the usual cause.",
            url=url,
            problem=exc.message,
        )
    if isinstance(exc, BillbeeThrottled):
        return Text(
            "Billbee is throttling this API key and user right now (HTTP 429); another "
            "program using the same key may be polling. Try again in {seconds} s.",
            seconds=max(1, round(exc.retry_after)),
        )
    if isinstance(exc, BillbeeServerError):
        return Text(
            "Billbee reported a server error ({problem}). This is on Billbee's side: try "
            "again later.",
            problem=exc.message,
        )
    if isinstance(exc, BillbeeBusinessError):
        return exc.message
    if isinstance(exc, BillbeeError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def _connection_failure(exc: BillbeeConnectionError, url: str) -> Text:
    if exc.kind == "dns":
        return Text(
            "The host in {url} cannot be resolved. Check the API URL (Billbee's is "
            "https://api.billbee.io/api/v1) and this machine's DNS and network access.",
            url=url,
        )
    if exc.kind == "refused":
        return Text(
            "Nothing accepts connections at {url}. Check the host and port of the API URL; "
            "for the local sandbox, is `python manage.py billbee_sandbox` running?",
            url=url,
        )
    if exc.kind == "tls":
        return Text(
            "The TLS (https) handshake with {url} failed: check the certificate store of this "
            "machine, proxies that intercept TLS, and the URL's scheme.",
            url=url,
        )
    if exc.kind == "timeout":
        return Text(
            "{url} did not answer in time. Check the network, proxy and firewall, and "
            "Billbee's status page.",
            url=url,
        )
    if exc.kind == "connect-timeout":
        return Text(
            "No connection to {url} could be opened in time. Check the network, proxy and "
            "firewall.",
            url=url,
        )
    return Text(
        "The connection to {url} broke off ({problem}). Check the network and try again.",
        url=url,
        problem=exc.message,
    )


CHECK_NAMES = {
    "credentials": Text("credentials"),
    "authentication": Text("authentication"),
    "orders": Text("orders"),
    "invoices": Text("invoices"),
    "shops": Text("shops"),
}


def connection_test(connection: Connection) -> ConnectionTestResult:
    """Check credentials and API access step by step, store and return the outcome."""
    result = ConnectionTestResult(connection=connection.name, api_url=connection.api_url)
    missing = [
        label
        for label, present in (
            (Text("username"), bool(connection.username)),
            (Text("API password"), connection.has_api_password),
            (Text("API key"), connection.has_api_key),
        )
        if not present
    ]
    if missing:
        result.checks.append(
            Check(
                "credentials",
                False,
                Text(
                    "Missing {missing}: enter them in the admin or re-run connection_create "
                    "{name} with them.",
                    missing=Joined(tuple(missing)),
                    name=connection.name,
                ),
            )
        )
        _store(connection, result)
        return result
    if connection.credentials_unreadable:
        result.checks.append(
            Check(
                "credentials",
                False,
                Text(
                    "The API password or API key is unreadable with the current "
                    "CREDENTIALS_KEY: enter them again in the admin or re-run "
                    "connection_create {name} with them.",
                    name=connection.name,
                ),
            )
        )
        _store(connection, result)
        return result
    result.checks.append(Check("credentials", True, Text("username, API password and API key set")))
    client = connection_client(connection)
    try:
        _run_checks(client, connection, result)
    finally:
        client.close()
    _store(connection, result)
    return result


def _run_checks(
    client: BillbeeClient, connection: Connection, result: ConnectionTestResult
) -> None:
    try:
        states = client.order_states()
        result.checks.append(
            Check(
                "authentication",
                True,
                Text(
                    "signed in as {user}; {count} order states known",
                    user=connection.username,
                    count=len(states),
                ),
            )
        )
    except BillbeeError as exc:
        result.checks.append(
            Check("authentication", False, explain(exc, connection, "/enums/orderstates"))
        )
        return
    try:
        first = next(client.iter_orders(page_size=1, limit=1))
        result.checks.append(
            Check(
                "orders",
                True,
                Text("order list readable: {count} orders", count=first.total_rows or 0),
            )
        )
    except BillbeeError as exc:
        result.checks.append(Check("orders", False, explain(exc, connection, "/orders")))
    try:
        since = timezone.now().replace(microsecond=0) - timedelta(days=31)
        page = next(
            client.iter_invoices(
                min_invoice_date=since, page_size=1, limit=1, include_positions=False
            )
        )
        result.checks.append(
            Check(
                "invoices",
                True,
                Text(
                    "invoice list readable: {count} documents in the last 31 days",
                    count=page.total_rows or 0,
                ),
            )
        )
    except BillbeeError as exc:
        result.checks.append(Check("invoices", False, explain(exc, connection, "/orders/invoices")))
    try:
        shops = [s for page in client.iter_shop_accounts() for s in page.items]
        names = ", ".join(s.name or str(s.id) for s in shops[:10])
        result.checks.append(
            Check(
                "shops",
                True,
                Text("{count} shop connections: {names}", count=len(shops), names=names)
                if names
                else Text("{count} shop connections", count=len(shops)),
                required=False,
            )
        )
    except BillbeeError as exc:
        result.checks.append(
            Check("shops", False, explain(exc, connection, "/shopaccounts"), required=False)
        )


def _store(connection: Connection, result: ConnectionTestResult) -> None:
    failed = [
        Text("{check}: {message}", check=CHECK_NAMES.get(c.name, c.name), message=c.message)
        for c in result.checks
        if not c.ok and c.required
    ]
    message = (
        Text("{failures}", failures=Joined(tuple(failed), "; "))
        if failed
        else Text("all checks passed")
    )
    Connection.objects.filter(pk=connection.pk).update(
        last_test_at=timezone.now(),
        last_test_ok=result.ok,
        last_test_message=message,
        last_test_texts=texts(last_test_message=message),
    )
    connection.refresh_from_db(
        fields=["last_test_at", "last_test_ok", "last_test_message", "last_test_texts"]
    )
