-- Up Migration
-- The nurse's shift (issue 20, docs/decisions/0034): who is on which patient
-- today, and the handover note (rapport) each patient gets from the outgoing
-- shift. Both are health data (they say who is followed and how): read and
-- written through the access layer only, each change in the access log.

-- One responsible nurse per patient per shift (dag, kveld, natt) of a day:
-- the shift leader (or the administrator) assigns; a nurse may take a patient
-- herself. Replacing the nurse is an update of the row; who did it last and
-- when stays on it, every change is in the access log.
CREATE TABLE shift_assignments (
  tenant_id text NOT NULL REFERENCES tenants (id),
  patient_id uuid NOT NULL,
  -- the date the shift starts on (a night shift from 23:00 belongs to the date it starts)
  shift_date date NOT NULL,
  shift text NOT NULL CHECK (shift IN ('day', 'evening', 'night')),
  user_id uuid NOT NULL REFERENCES users (id),
  assigned_by_user_id uuid NOT NULL REFERENCES users (id),
  assigned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, patient_id, shift_date, shift),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id)
);
-- "mine first": a nurse's patients of one shift
CREATE INDEX shift_assignments_user ON shift_assignments (tenant_id, user_id, shift_date, shift);

-- The handover note: written by the outgoing nurse, read first by the next
-- shift. Kept, never overwritten: a new note is a new row (the history).
CREATE TABLE handover_notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants (id),
  patient_id uuid NOT NULL,
  author_user_id uuid NOT NULL REFERENCES users (id),
  text text NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 4000),
  written_at timestamptz NOT NULL DEFAULT varde_now(),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id)
);
CREATE INDEX handover_notes_patient ON handover_notes (tenant_id, patient_id, written_at DESC);
CREATE INDEX handover_notes_written ON handover_notes (tenant_id, written_at DESC);

-- the shift view's "resolved since": alerts closed after a time, latest first
CREATE INDEX alerts_resolved_at ON alerts (tenant_id, resolved_at DESC) WHERE status = 'resolved';

-- the tenant wall of migration 0012 (docs/decisions/0012)
ALTER TABLE shift_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON shift_assignments TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));
ALTER TABLE handover_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON handover_notes TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));
-- a note is kept as written: the platform may add one, never change or delete one
REVOKE UPDATE, DELETE ON handover_notes FROM varde_platform;

-- Down Migration
DROP INDEX alerts_resolved_at;
DROP TABLE handover_notes;
DROP TABLE shift_assignments;
