"""The statement upload preselects the account when there is only one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payments.models import PaymentSource

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:payments_statement_import")
UPLOADER = ("payments.import_statement", "payments.view_paymentsource", "payments.view_statement")


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """The page renders admin templates."""


def test_the_only_account_is_preselected_and_two_are_not(login, bank):
    client = login(*UPLOADER)

    assert client.get(IMPORT).context["form"].initial == {"source": bank.pk}

    PaymentSource.objects.create(
        connection=bank.connection, name="PayPal", kind=PaymentSource.Kind.PAYPAL,
        ledger_account=1360, fee_account=4970,
    )  # fmt: skip
    assert "source" not in client.get(IMPORT).context["form"].initial
