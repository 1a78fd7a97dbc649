-- Up Migration
-- Snooze of an episode (issue 20, docs/decisions/0033): a nurse puts an
-- episode out of the inbox until an end time, saying why; it comes back by
-- itself when the platform clock passes `until` (no job: the inbox reads it
-- against varde_now()). `severity` is the episode's colour when snoozed: a
-- rise above it (yellow → red) shows the episode again before its time.
-- Keyed by the episode's id, its earliest alert's (ADR 0027); snoozing again
-- replaces the row, ending it early deletes it; each is logged by its statement.
CREATE TABLE episode_snoozes (
  tenant_id text NOT NULL,
  episode_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  until timestamptz NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  severity text NOT NULL CHECK (severity IN ('red', 'yellow')),
  by_user_id uuid NOT NULL,
  by_name text NOT NULL,
  at timestamptz NOT NULL DEFAULT varde_now(),
  PRIMARY KEY (tenant_id, episode_id),
  FOREIGN KEY (episode_id) REFERENCES alerts (id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX episode_snoozes_until ON episode_snoozes (tenant_id, until);
ALTER TABLE episode_snoozes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON episode_snoozes TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));

-- Down Migration
DROP TABLE episode_snoozes;
