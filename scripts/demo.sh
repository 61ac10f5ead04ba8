#!/usr/bin/env bash
# make demo: migrate, start the Billbee sandbox with realistic data, connect to it, import,
# start a Celery worker and beat (embedded broker, no server needed) and serve the admin.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
SANDBOX_PORT=${SANDBOX_PORT:-8765}
ADMIN_PORT=${ADMIN_PORT:-8000}
DEMO_ORDERS=${DEMO_ORDERS:-1500}
DEMO_DAYS=${DEMO_DAYS:-45}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-connector.settings.development}
# The sandbox and the connection share these demo credentials.
export BILLBEE_USERNAME=demo@example.com
export BILLBEE_API_PASSWORD=demo-api-password
export BILLBEE_API_KEY=demo-api-key

mkdir -p var
"$PY" manage.py migrate --noinput -v0

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

"$PY" manage.py billbee_sandbox --port "$SANDBOX_PORT" --orders "$DEMO_ORDERS" --seed 42 \
    --days "$DEMO_DAYS" --churn new=3,states=10,invoices=5,cancellations=1 >var/sandbox.log 2>&1 &
PIDS+=($!)

"$PY" - "$SANDBOX_PORT" <<'PYEOF'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/__sandbox__/health"
for _ in range(120):
    try:
        urllib.request.urlopen(url, timeout=1).read()
        sys.exit(0)
    except OSError:
        time.sleep(0.25)
sys.exit("The Billbee sandbox did not start; see var/sandbox.log")
PYEOF

export BILLBEE_LOG_LEVEL=WARNING
"$PY" manage.py connection_create sandbox --api-url "http://127.0.0.1:$SANDBOX_PORT/api/v1"
"$PY" manage.py connection_test sandbox
"$PY" manage.py setup_periodic_tasks --tick-minutes 1

# Demo settings: admin login; the import starts at the sandbox's first day; scheduled imports
# every 10 minutes at any hour (so that the sandbox's changing data keeps coming in); include
# rules that override the default exclusions of Shopify for one shop and of Amazon (its
# warehouses in PL and CZ show the sales that are not taxable in Germany).
"$PY" manage.py shell -v0 -c "
from datetime import date, time, timedelta
from django.contrib.auth import get_user_model
from connector.models import ChannelRule, Connection
User = get_user_model()
user, _ = User.objects.get_or_create(username='admin')
user.is_staff = user.is_superuser = True
user.set_password('admin')
user.save()
c = Connection.objects.get(name='sandbox')
if c.watermark is None:
    c.import_start_date = date.today() - timedelta(days=$DEMO_DAYS + 1)
c.schedule_window_start, c.schedule_window_end = time(0, 0), time(23, 59)
c.schedule_spacing_minutes = 10
c.save()
# This script is the set-up (access, test, chart, rules, schedule): the wizard is not offered.
from connector.services.onboarding import onboarding_finish
onboarding_finish(c)
ChannelRule.objects.get_or_create(connection=c, action='include', platform='Shopify',
    shop_name='Möbel Verkauf 24', defaults={'note': 'demo: this shop has no direct ledger integration'})
ChannelRule.objects.get_or_create(connection=c, action='include', platform='Amazon',
    shop_name='Amazon EU', defaults={'note': 'demo: FBA warehouses in PL and CZ'})
"

echo "Importing from the sandbox (Billbee's pace: 2 requests per second per endpoint) …"
"$PY" manage.py import_orders --connection sandbox || true

# Bookkeeping for the demo: DATEV numbers, OSS registered (the sandbox merchant is), the VAT
# registrations in the FBA countries, single-purpose vouchers told apart by their title, a
# debtor account for every origin and payment method but one (so that the console shows a
# document waiting for its debtor), rates for the export currencies; then book and export last
# month to DATEV (the export is linted first; the month keeps waiting documents on purpose, so
# it is exported as incomplete, which the batch records).
"$PY" manage.py shell -v0 -c "
from datetime import date, timedelta
from decimal import Decimal
from bookkeeping.models import CouponRule, DebtorMapping, ExchangeRate, ForeignRegistration
from bookkeeping.services.debtors import debtor_mappings_sync
from bookkeeping.services.setup import chart_of
from connector.models import Connection
c = Connection.objects.get(name='sandbox')
s = c.bookkeeping
s.consultant_number, s.client_number = 29098, 55003
s.oss_registered_since = date(2021, 7, 1)
s.save()
preset = chart_of(c).foreign
for country, vat_id in (('PL', 'PL5260001246'), ('CZ', 'CZ25123891')):
    ForeignRegistration.objects.update_or_create(connection=c, country=country, defaults={
        'vat_id': vat_id, 'local_account': preset.local, 'ic_supply_account': preset.ic_supply,
        'export_account': preset.export, 'vat_account': preset.vat})
CouponRule.objects.get_or_create(connection=c, text='Einzweckgutschein',
    defaults={'kind': 'single_purpose', 'note': 'demo: vouchers sold with VAT'})
debtor_mappings_sync(c)
mappings = list(DebtorMapping.objects.filter(connection=c).order_by('origin', 'payment_method'))
for number, mapping in enumerate(mappings[1:], start=1):
    if mapping.account is None:
        mapping.account = 10000 + number
        mapping.name = mapping.origin.split('-', 1)[-1][:40]
        mapping.save()
day = date.today() - timedelta(days=$DEMO_DAYS + 10)
while day <= date.today():
    for currency, rate in (('CHF', '0.9400'), ('GBP', '0.8500'), ('USD', '1.0800'), ('NOK', '11.6000')):
        ExchangeRate.objects.get_or_create(currency=currency, day=day, kind='daily', defaults={'rate': Decimal(rate)})
        ExchangeRate.objects.get_or_create(currency=currency, day=day.replace(day=1), kind='monthly',
            defaults={'rate': Decimal(rate), 'source': 'BMF (demo values)'})
    day += timedelta(days=1)
"
"$PY" manage.py book_documents --connection sandbox || true
# Payments: the merchant's bank account and PayPal, with the statements the sandbox writes for
# its unpaid orders (CAMT.053 and a PayPal download, var/statements/). Importing matches them at
# once; exact matches are booked and marked paid in the sandbox (write-back set to automatic
# for the demo), the others wait with their candidates (Payments → Statement lines).
mkdir -p var/statements
"$PY" manage.py shell -v0 -c "
import json, urllib.request
from connector.models import Connection
from payments.models import PaymentGroup, PaymentSource
from payments.selectors import payment_groups
c = Connection.objects.get(name='sandbox')
PaymentSource.objects.get_or_create(connection=c, name='Hausbank', defaults={
    'iban': 'DE02120300000000202051', 'ledger_account': 1200, 'fee_account': 4970})
PaymentSource.objects.get_or_create(connection=c, name='PayPal', defaults={
    'kind': 'paypal', 'ledger_account': 1201, 'fee_account': 4970, 'transit_account': 1360})
for group in payment_groups(c):
    group.writeback = PaymentGroup.Writeback.AUTO
    group.writeback_tag = 'bezahlt-connector'
    group.save()
for kind in ('camt053', 'paypal'):
    url = f'http://127.0.0.1:$SANDBOX_PORT/__sandbox__/statements/{kind}?days=$DEMO_DAYS'
    reply = json.loads(urllib.request.urlopen(url, timeout=60).read())
    with open('var/statements/' + reply['filename'], 'w', encoding='utf-8', newline='') as f:
        f.write(reply['content'])
"
"$PY" manage.py import_statement var/statements/camt053_sandbox_1.xml --source Hausbank || true
"$PY" manage.py import_statement var/statements/paypal_sandbox_1.csv --source PayPal || true
"$PY" manage.py send_writebacks --connection sandbox || true
# What the payments did: lines confirmed (booked) and written back to the sandbox, checked
# against the sandbox's own orders; the lines waiting for a person, with the console's filter.
"$PY" manage.py shell -v0 -c "
import json, urllib.request
from connector.models import Connection
from payments.models import StatementTransaction, Writeback
c = Connection.objects.get(name='sandbox')
lines = StatementTransaction.objects.filter(source__connection=c)
waiting = lines.filter(confirmed_at__isnull=True).exclude(state='ignored')
done = Writeback.objects.filter(connection=c, state='done')
paid = 0
for order_id in done.values_list('billbee_order_id', flat=True):
    url = f'http://127.0.0.1:$SANDBOX_PORT/__sandbox__/orders/{order_id}'
    paid += json.loads(urllib.request.urlopen(url, timeout=30).read())['State'] == 3
confirmed = lines.filter(confirmed_at__isnull=False)
print(f'Payments: {lines.count()} statement lines; {confirmed.count()} matched and confirmed '
      f'({confirmed.filter(payment_entry__isnull=False).count()} booked, the others prepayments '
      f'waiting for their invoice), {done.count()} written back to Billbee ({paid} now paid, '
      f'state 3, in the sandbox); {waiting.exclude(candidates=[]).count()} wait with candidates '
      f'for a person, {waiting.filter(candidates=[]).count()} without a match, '
      f'{lines.filter(state=\"ignored\").count()} ignored.')
print('  Waiting with candidates: http://127.0.0.1:$ADMIN_PORT/admin/payments/statementtransaction/?waiting=candidates')
"
LAST_MONTH_END=$("$PY" -c "import datetime; print(datetime.date.today().replace(day=1) - datetime.timedelta(days=1))")
LAST_MONTH_START=$("$PY" -c "import datetime; d = datetime.date.today().replace(day=1) - datetime.timedelta(days=1); print(d.replace(day=1))")
mkdir -p var/exports
"$PY" manage.py export_datev --connection sandbox --from "$LAST_MONTH_START" --to "$LAST_MONTH_END" \
    --allow-incomplete --output "var/exports/EXTF_Buchungsstapel_sandbox_${LAST_MONTH_START%-*}.csv" || true

if [ "${DEMO_SERVE:-1}" = 0 ]; then
    # Set-up only (DEMO_SERVE=0): every demo month's report with the completeness check
    # against the sandbox's invoice register, then stop.
    MONTHS=$("$PY" -c "
import datetime
day = datetime.date.today() - datetime.timedelta(days=$DEMO_DAYS + 1)
months = []
while day <= datetime.date.today():
    months.append(f'{day:%Y-%m}')
    day += datetime.timedelta(days=1)
print(' '.join(dict.fromkeys(months)))")
    for month in $MONTHS; do
        "$PY" manage.py period_report --connection sandbox --month "$month" \
            --check-billbee --format json --output "var/period_report_$month.json" || true
    done
    echo "Set up without serving: var/period_report_<month>.json, var/exports/"
    exit 0
fi

"$PY" -m celery -A connector worker --concurrency 1 --loglevel WARNING >var/worker.log 2>&1 &
PIDS+=($!)
"$PY" -m celery -A connector beat --loglevel WARNING >var/beat.log 2>&1 &
PIDS+=($!)

cat <<BANNER

  Billbee sandbox:  http://127.0.0.1:$SANDBOX_PORT/api/v1   ($DEMO_ORDERS orders, log: var/sandbox.log)
  Admin:            http://127.0.0.1:$ADMIN_PORT/admin/
  Login:            admin / admin
  Worker and beat:  scheduled imports every 10 minutes (logs: var/worker.log, var/beat.log)
  Journal:          http://127.0.0.1:$ADMIN_PORT/admin/bookkeeping/journalentry/
  DATEV export:     http://127.0.0.1:$ADMIN_PORT/admin/bookkeeping/exportbatch/  (file: var/exports/)
  Work queue:       http://127.0.0.1:$ADMIN_PORT/admin/bookkeeping/work-queue/
  Period report:    http://127.0.0.1:$ADMIN_PORT/admin/bookkeeping/period-report/
  Statement lines:  http://127.0.0.1:$ADMIN_PORT/admin/payments/statementtransaction/  (files: var/statements/)
  Explain:          $PY manage.py explain_order <order or invoice number>
  Stop:             Ctrl-C

BANNER
"$PY" manage.py runserver "127.0.0.1:$ADMIN_PORT"
