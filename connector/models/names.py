"""Billbee's own names for its payment types and order states, as ``/enums/*`` lists them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BillbeeName(models.Model):
    """One entry of Billbee's ``/enums/paymenttypes`` or ``/enums/orderstates``.

    Global, not per connection: the lists are Billbee's, the same for every account. They name
    the ids beyond the built-in tables (``billbee.enums``; Billbee has payment types 139–150)
    in the console, the reports and the decision trace."""

    class Kind(models.TextChoices):
        PAYMENT_TYPE = "payment_type", _("payment type")
        ORDER_STATE = "order_state", _("order state")

    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    billbee_id = models.IntegerField(_("Billbee id"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    refreshed_at = models.DateTimeField(
        help_text=_("When Billbee last listed this name."), verbose_name=_("refreshed at")
    )

    class Meta:
        verbose_name = _("Billbee name")
        verbose_name_plural = _("Billbee names")
        ordering = ["kind", "billbee_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "billbee_id"], name="one_name_per_billbee_id")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.billbee_id}: {self.name}"
