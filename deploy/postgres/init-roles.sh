#!/bin/sh
# First start of the database container (docker-entrypoint-initdb.d): the roles
# of deploy/README.md "Database". The schema's owner migrates; the platform
# logs in as varde_app, a member of the least-privileged group varde_platform
# (migration 0009 grants it rows, not the schema; the access log insert-only).
set -eu
owner_pw=$(cat "$VARDE_OWNER_PASSWORD_FILE")
app_pw=$(cat "$VARDE_APP_PASSWORD_FILE")
psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres \
  -v owner_pw="$owner_pw" -v app_pw="$app_pw" <<'SQL'
CREATE ROLE varde_owner LOGIN PASSWORD :'owner_pw';
CREATE DATABASE varde OWNER varde_owner;
CREATE ROLE varde_platform NOLOGIN;
CREATE ROLE varde_app LOGIN PASSWORD :'app_pw' IN ROLE varde_platform;
\connect varde
-- TimescaleDB is not a trusted extension: the superuser creates it, the owner's migrations find it
CREATE EXTENSION IF NOT EXISTS timescaledb;
SQL
