"""The set-up as files (django-import-export): the debtor mapping, the chart of accounts and the
revenue and VAT accounts, as CSV or XLSX, for the console's import and export and for
``manage.py debtor_mapping``.

The connection is a column holding its name, and rows are matched on their natural keys, never
on the database id, so that a file exported from one installation imports into another:
debtor mapping (connection, origin, payment_method), accounts (connection, number), revenue
and VAT accounts (connection, case, rate; an empty rate is "any rate"). Imported rows are
validated by the models (a debtor outside 10000–69999 is an error of that row), unchanged rows
are left alone, and a changed row writes only the fields that changed. Saving debtor mappings
or revenue/VAT accounts books the documents that waited for them, once per import.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.db import models
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import ModelInstanceLoader
from import_export.widgets import CharWidget, Widget

from billbee.enums import payment_type_name
from connector.models import Connection

from .models import Account, DebtorMapping, TaxAccount
from .selectors import payment_method_label
from .services.rebooking import documents_book_soon

ANY_PAYMENT_METHOD = "any"


def whole_number(value: Any) -> int | None:
    """A cell as a whole number: ``10001``, ``"10001"``, or 10001.0 from a spreadsheet."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    raise ValueError(f"{value!r} is not a whole number")


def payment_method_value(value: Any) -> int:
    """Billbee's payment method id, or 0 for "any" (also an empty cell)."""
    if value is None or str(value).strip().lower() in ("", ANY_PAYMENT_METHOD, "0"):
        return DebtorMapping.ANY_PAYMENT_METHOD
    try:
        method = whole_number(value)
    except ValueError:
        method = None
    if method is None or method < 0:
        raise ValueError(f"{value!r} is not a payment method id (a number, or 'any')")
    return method


class _Native(Widget):
    """Writes numbers and booleans as such into XLSX, as text into CSV."""

    def native(self, value: Any) -> Any:
        return value

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return self.native(value) if kwargs.get("force_native_type") else self.text(value)

    def text(self, value: Any) -> str:
        return str(value)


class WholeNumberWidget(_Native):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        return whole_number(value)


class PaymentMethodWidget(_Native):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int:
        return payment_method_value(value)

    def native(self, value: Any) -> Any:
        return ANY_PAYMENT_METHOD if value == DebtorMapping.ANY_PAYMENT_METHOD else value

    def text(self, value: Any) -> str:
        return payment_method_label(value)


class RateWidget(_Native):
    """A VAT rate in percent (``19.00``; ``19,00`` too); empty is "any rate"."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a rate")
        text = repr(value) if isinstance(value, float) else str(value).strip()
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            rate = Decimal(text)
        except InvalidOperation:
            raise ValueError(
                f"{value!r} is not a rate (e.g. 19.00, or empty for any rate)"
            ) from None
        if not rate.is_finite():
            raise ValueError(f"{value!r} is not a rate")
        return rate


class YesNoWidget(_Native):
    TRUE = ("1", "yes", "true", "ja", "x")
    FALSE = ("0", "no", "false", "nein", "")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"{value!r} is neither yes nor no")

    def text(self, value: Any) -> str:
        return "yes" if value else "no"


class ConnectionWidget(Widget):
    """A connection by its name. With ``only`` (the command line's ``--connection``) every
    row belongs to that connection: an empty cell means it, another name is an error."""

    def __init__(self, only: Connection | None = None) -> None:
        super().__init__()
        self.only = only
        self._named: dict[str, Connection] = {}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Connection:
        name = "" if value is None else str(value).strip()
        if self.only is not None:
            if name in ("", self.only.name):
                return self.only
            raise ValueError(
                f"this row is for connection {name!r}: empty the connection column to "
                f"import it into {self.only.name!r}"
            )
        if not name:
            raise ValueError("name the connection")
        if name not in self._named:
            try:
                self._named[name] = Connection.objects.get(name=name)
            except Connection.DoesNotExist:
                raise ValueError(f"there is no connection named {name!r}") from None
        return self._named[name]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else value.name


class NaturalKeyLoader(ModelInstanceLoader):
    """Finds the row's record by its natural key. A key cell that does not parse finds
    nothing: importing the row then reports the cell as the row's error."""

    def get_instance(self, row: Any) -> Any:
        try:
            return super().get_instance(row)
        except ValueError:
            return None


def _stored_values(instance: models.Model) -> dict[str, Any]:
    return {f.name: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


class SetupResource(resources.ModelResource):
    """What the three files have in common; ``connection`` restricts the rows to one
    connection (the command line), else every connection's rows are read and written."""

    rebooks: ClassVar[bool] = False

    connection = Field(attribute="connection", column_name="connection", widget=ConnectionWidget())

    class Meta:
        instance_loader_class = NaturalKeyLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def __init__(self, connection: Connection | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.only = connection
        self.fields["connection"].widget = ConnectionWidget(connection)
        self._saved_for: set[int] = set()
        self._stored: dict[int, dict[str, Any]] = {}

    @classmethod
    def describe(cls, row: dict[str, Any]) -> str:
        """The row's natural key in words, for reports."""
        raise NotImplementedError

    def get_queryset(self) -> models.QuerySet[Any]:
        rows = super().get_queryset().select_related("connection")
        return rows if self.only is None else rows.filter(connection=self.only)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        if self.only is not None and "connection" not in (dataset.headers or []):
            if len(dataset):
                dataset.append_col([self.only.name] * len(dataset), header="connection")
            else:
                dataset.headers = [*(dataset.headers or []), "connection"]

    def after_init_instance(self, instance: Any, new: bool, row: Any, **kwargs: Any) -> None:
        if not new:
            self._stored[instance.pk] = _stored_values(instance)

    def do_instance_save(self, instance: Any, is_create: bool) -> None:
        stored = None if is_create else self._stored.pop(instance.pk, None)
        if stored is None:
            instance.save(force_insert=is_create)
            return
        changed = [
            name for name, value in _stored_values(instance).items() if value != stored[name]
        ]
        auto_now = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
        if changed:
            instance.save(update_fields=sorted({*changed, *auto_now}))

    def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        if not kwargs.get("dry_run"):
            self._saved_for.add(instance.connection_id)

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if self.rebooks and self._saved_for and not kwargs.get("dry_run"):
            # Once per import; dropped with the transaction when the import is rolled back.
            documents_book_soon(self._saved_for)
        self._saved_for = set()


class DebtorMappingResource(SetupResource):
    rebooks = True

    origin = Field(attribute="origin", column_name="origin", widget=CharWidget())
    payment_method = Field(
        attribute="payment_method", column_name="payment_method", widget=PaymentMethodWidget()
    )
    payment_method_name = Field(
        attribute="payment_method_name", column_name="payment_method_name", readonly=True
    )
    account = Field(attribute="account", column_name="account", widget=WholeNumberWidget())
    name = Field(attribute="name", column_name="name", widget=CharWidget())

    class Meta:
        model = DebtorMapping
        fields = (
            "connection",
            "origin",
            "payment_method",
            "payment_method_name",
            "account",
            "name",
        )
        import_id_fields = ("connection", "origin", "payment_method")
        name = "Debtor mapping"

    @classmethod
    def describe(cls, row: dict[str, Any]) -> str:
        return f"{row.get('origin') or '?'} / payment method {row.get('payment_method') or 'any'}"

    def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        # Billbee's name of the payment method is for reading; the import derives it.
        if instance.pk is None and instance.payment_method != DebtorMapping.ANY_PAYMENT_METHOD:
            instance.payment_method_name = payment_type_name(instance.payment_method)[:100]


class AccountResource(SetupResource):
    number = Field(attribute="number", column_name="number", widget=WholeNumberWidget())
    name = Field(attribute="name", column_name="name", widget=CharWidget())
    kind = Field(attribute="kind", column_name="kind", widget=CharWidget())
    automatic = Field(attribute="automatic", column_name="automatic", widget=YesNoWidget())

    class Meta:
        model = Account
        fields = ("connection", "number", "name", "kind", "automatic")
        import_id_fields = ("connection", "number")
        name = "Accounts"

    @classmethod
    def describe(cls, row: dict[str, Any]) -> str:
        return f"account {row.get('number') or '?'}"


class TaxAccountResource(SetupResource):
    rebooks = True

    case = Field(attribute="case", column_name="case", widget=CharWidget())
    rate = Field(attribute="rate", column_name="rate", widget=RateWidget())
    revenue_account = Field(
        attribute="revenue_account", column_name="revenue_account", widget=WholeNumberWidget()
    )
    vat_account = Field(
        attribute="vat_account", column_name="vat_account", widget=WholeNumberWidget()
    )
    bu_key = Field(attribute="bu_key", column_name="bu_key", widget=CharWidget())
    shipping_account = Field(
        attribute="shipping_account", column_name="shipping_account", widget=WholeNumberWidget()
    )
    discount_account = Field(
        attribute="discount_account", column_name="discount_account", widget=WholeNumberWidget()
    )
    voucher_account = Field(
        attribute="voucher_account", column_name="voucher_account", widget=WholeNumberWidget()
    )

    class Meta:
        model = TaxAccount
        fields = (
            "connection",
            "case",
            "rate",
            "revenue_account",
            "vat_account",
            "bu_key",
            "shipping_account",
            "discount_account",
            "voucher_account",
        )
        import_id_fields = ("connection", "case", "rate")
        name = "Revenue and VAT accounts"

    @classmethod
    def describe(cls, row: dict[str, Any]) -> str:
        rate = row.get("rate")
        return f"{row.get('case') or '?'}, {'any rate' if rate in (None, '') else rate}"
