-- Up Migration
-- The platform's least-privileged role (issue 16, docs/decisions/0008):
-- the running platform reads and writes rows and nothing more. It cannot
-- change the schema (no CREATE in it, owns no table, so no ALTER, DROP or
-- TRUNCATE), and the access log (tilgangslogg) is insert-only for it: a
-- break-in through the platform can add to the log but not rewrite it.
-- Migrations run as the owner (VARDE_MIGRATE_DATABASE_URL); the platform logs
-- in as a role that is a member of varde_platform (deploy: CREATE ROLE
-- varde_app LOGIN PASSWORD '…' IN ROLE varde_platform).
--
-- A role is the cluster's, not the database's: it may exist already (a
-- second database, or a DBA made it). Making it needs CREATEROLE.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'varde_platform') THEN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolcreaterole OR rolsuper)) THEN
      RAISE EXCEPTION 'role varde_platform does not exist and % may not create it: CREATE ROLE varde_platform NOLOGIN as a superuser, then migrate again', current_user;
    END IF;
    CREATE ROLE varde_platform NOLOGIN;
  END IF;
END $$;

-- PostgreSQL before 15 let every role create in schema public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO varde_platform;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO varde_platform;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO varde_platform;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO varde_platform;
-- Tables later migrations make get the same; a table that must be
-- insert-only, like audit_log, says so itself (REVOKE UPDATE, DELETE).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO varde_platform;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO varde_platform;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO varde_platform;

REVOKE UPDATE, DELETE ON audit_log FROM varde_platform;
-- The platform checks at start that nothing is pending; only the owner migrates.
REVOKE INSERT, UPDATE, DELETE ON varde_migrations FROM varde_platform;

-- Down Migration
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM varde_platform;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM varde_platform;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM varde_platform;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM varde_platform;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM varde_platform;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM varde_platform;
REVOKE USAGE ON SCHEMA public FROM varde_platform;
