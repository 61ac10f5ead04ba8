#!/usr/bin/env bash
# make demo: migrate, start the Billbee sandbox with realistic data, connect to it, test the
# connection and serve the admin. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
SANDBOX_PORT=${SANDBOX_PORT:-8765}
ADMIN_PORT=${ADMIN_PORT:-8000}
DEMO_ORDERS=${DEMO_ORDERS:-2000}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-connector.settings.development}
# The sandbox and the connection share these demo credentials.
export BILLBEE_USERNAME=demo@example.com
export BILLBEE_API_PASSWORD=demo-api-password
export BILLBEE_API_KEY=demo-api-key

mkdir -p var
"$PY" manage.py migrate --noinput -v0

"$PY" manage.py billbee_sandbox --port "$SANDBOX_PORT" --orders "$DEMO_ORDERS" --seed 42 \
    --churn new=3,states=10,invoices=5,cancellations=1 >var/sandbox.log 2>&1 &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT INT TERM

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

"$PY" manage.py shell -c "
from django.contrib.auth import get_user_model
User = get_user_model()
user, _ = User.objects.get_or_create(username='admin', defaults={'is_staff': True, 'is_superuser': True})
user.is_staff = user.is_superuser = True
user.set_password('admin')
user.save()
"

BILLBEE_LOG_LEVEL=WARNING "$PY" manage.py connection_create sandbox --api-url "http://127.0.0.1:$SANDBOX_PORT/api/v1"
BILLBEE_LOG_LEVEL=WARNING "$PY" manage.py connection_test sandbox

cat <<BANNER

  Billbee sandbox:  http://127.0.0.1:$SANDBOX_PORT/api/v1   ($DEMO_ORDERS orders, log: var/sandbox.log)
  Admin:            http://127.0.0.1:$ADMIN_PORT/admin/
  Login:            admin / admin
  Stop:             Ctrl-C

BANNER
"$PY" manage.py runserver "127.0.0.1:$ADMIN_PORT"
