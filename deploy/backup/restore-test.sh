#!/usr/bin/env bash
# The restore test of deploy/README.md "Backups": a pg_dump (custom format) restored into a scratch
# database on a PostgreSQL server, checked, dropped. Proves the dump is whole and readable by this
# version of Varde, and times it.
#
#   PGHOST=… PGUSER=postgres deploy/backup/restore-test.sh varde-2026-12-07.dump
#
# Needs: pg_restore and psql of the server's major version or newer; a role allowed to CREATE DATABASE.
set -euo pipefail
dump=${1:?usage: restore-test.sh <pg_dump -Fc file>}
scratch=varde_restore_test_$(date +%s)
start=$(date +%s)
cleanup() { dropdb --if-exists --force "$scratch" >/dev/null 2>&1 || true; }
trap cleanup EXIT

createdb "$scratch"
# --no-owner: the scratch database need not have varde's roles; --exit-on-error: a broken dump fails here
pg_restore --no-owner --no-privileges --exit-on-error -d "$scratch" "$dump"

# the migrations the dump knows of: the latest must be this checkout's latest (else: restore, then start
# the platform once as the owner to migrate it forward)
latest_dump=$(psql -d "$scratch" -Atc "SELECT name FROM varde_migrations ORDER BY run_on DESC, id DESC LIMIT 1")
echo "restore-test: latest migration in the dump: $latest_dump"

fail=0
for table in tenants patients gateways measurements alerts audit_log; do
  n=$(psql -d "$scratch" -Atc "SELECT count(*) FROM $table")
  echo "restore-test: $table: $n rows"
  if [ "$table" = measurements ] && [ "$n" -eq 0 ]; then echo "restore-test: no measurements: is this the right dump?" >&2; fail=1; fi
done
# the newest reading says how much the dump may have lost (its age at the time of the dump)
psql -d "$scratch" -Atc "SELECT 'restore-test: newest reading received at ' || coalesce(max(received_at)::text, 'never') FROM measurements"
echo "restore-test: restored and checked in $(( $(date +%s) - start )) s"
exit $fail
