#!/bin/sh
# Temporal's schema on Postgres, the way Temporal's own compose examples do it now that
# temporalio/auto-setup is deprecated: temporal-sql-tool from temporalio/admin-tools, run once
# before the server starts. Idempotent: `create` fails harmlessly on an existing database and
# update-schema only applies what is missing, so upgrading the images re-runs it safely.
set -eu
for db in temporal temporal_visibility; do
  case "$db" in
    temporal) dir=/etc/temporal/schema/postgresql/v12/temporal/versioned ;;
    *) dir=/etc/temporal/schema/postgresql/v12/visibility/versioned ;;
  esac
  temporal-sql-tool --plugin postgres12 --ep postgres -u temporal -p 5432 --db "$db" create || true
  temporal-sql-tool --plugin postgres12 --ep postgres -u temporal -p 5432 --db "$db" setup-schema -v 0.0 || true
  temporal-sql-tool --plugin postgres12 --ep postgres -u temporal -p 5432 --db "$db" update-schema -d "$dir"
done
echo 'Temporal schema ready'
