#!/usr/bin/env bash
# Start the Debian PostgreSQL cluster for the tests (root; CI) and print a DSN whose role may
# create databases: `export COPILOT_TEST_DATABASE_URL=$(scripts/start-postgres.sh)`.
# Fails loudly: the Postgres store tests must not be skipped in CI.
set -euo pipefail
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
port=$(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $3}')
pg_ctlcluster "$ver" main start >/dev/null 2>&1 || pg_ctlcluster "$ver" main status >/dev/null
for _ in $(seq 1 50); do
  runuser -u postgres -- pg_isready -q -p "$port" && break
  sleep 0.2
done
runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'copilot') THEN
    CREATE ROLE copilot LOGIN CREATEDB PASSWORD 'copilot';
  END IF;
END \$\$;
SQL
echo "postgresql://copilot:copilot@127.0.0.1:$port/postgres"
