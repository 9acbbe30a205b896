#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster and create the role and database the suite uses
# (the default DATABASE_URL for DB=postgres: postgres://sanlian:sanlian@127.0.0.1:5432/sanlian).
set -euo pipefail
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  pg_createcluster "$version" main >/dev/null
fi
cluster_state=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}')
if [ -z "$cluster_state" ]; then
  pg_createcluster "$version" main >/dev/null
fi
if [ "$cluster_state" != "online" ]; then
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
as_postgres() { su postgres -c "$1"; }
as_postgres "psql -v ON_ERROR_STOP=1 -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='sanlian'\"" | grep -q 1 \
  || as_postgres "psql -v ON_ERROR_STOP=1 -qc \"CREATE ROLE sanlian LOGIN CREATEDB PASSWORD 'sanlian'\""
as_postgres "psql -v ON_ERROR_STOP=1 -qtAc \"SELECT 1 FROM pg_database WHERE datname='sanlian'\"" | grep -q 1 \
  || as_postgres "createdb -O sanlian sanlian"
echo "PostgreSQL $version is running with role and database sanlian." >&2
