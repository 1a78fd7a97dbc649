-- Up Migration
-- The platform clock for testers (issue 17; docs/decisions/0014-platform-clock.md):
-- one clock for every part, so a start-up period, a pause, a measuring plan or
-- an escalation can be tested by moving time, not by waiting. No row: the
-- platform runs on the wall clock (production always; the platform deletes
-- the row at start in production mode). A row: platform time is
--   anchor_platform + (wall − anchor_wall) × speed,
-- set in demo and test mode by configuration (VARDE_CLOCK_OFFSET,
-- VARDE_CLOCK_SPEED) or by an administrator (POST /api/admin/clock).
-- In the database, clinical time judgements read varde_now(); sessions,
-- leases, credentials and the access log keep now() (wall time).
CREATE TABLE platform_clock (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  anchor_wall timestamptz NOT NULL,
  anchor_platform timestamptz NOT NULL,
  speed double precision NOT NULL CHECK (speed > 0 AND speed <= 100000),
  set_by text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now()
);

-- STABLE: one value within a statement, as now() is; inlined by the planner.
CREATE FUNCTION varde_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT c.anchor_platform + (now() - c.anchor_wall) * c.speed FROM platform_clock c), now())
$$;

-- Clinical times stamped by the database itself follow the platform clock:
-- the start of follow-up (a schedule is not missed before it), when a rule
-- override was set (it applies from then on), a pause's and an alert's history.
ALTER TABLE patients ALTER COLUMN created_at SET DEFAULT varde_now();
ALTER TABLE rule_overrides ALTER COLUMN set_at SET DEFAULT varde_now();
ALTER TABLE service_pauses ALTER COLUMN created_at SET DEFAULT varde_now();
ALTER TABLE alerts ALTER COLUMN opened_at SET DEFAULT varde_now();
ALTER TABLE alert_events ALTER COLUMN at SET DEFAULT varde_now();

-- Down Migration
ALTER TABLE alert_events ALTER COLUMN at SET DEFAULT now();
ALTER TABLE alerts ALTER COLUMN opened_at SET DEFAULT now();
ALTER TABLE service_pauses ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE rule_overrides ALTER COLUMN set_at SET DEFAULT now();
ALTER TABLE patients ALTER COLUMN created_at SET DEFAULT now();
DROP FUNCTION varde_now();
DROP TABLE platform_clock;
