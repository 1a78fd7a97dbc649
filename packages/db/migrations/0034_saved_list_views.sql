-- Up Migration
-- Saved views of the patient list per user (issue 20, docs/decisions/0035):
-- a name and the list's filters and sort, as the portal's zod schema has them
-- (@varde/api-contract list-views.ts), never a search text or a patient. The
-- user's own settings: read and written only by that user, through the access
-- layer, and gone with the user.
CREATE TABLE saved_list_views (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  user_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  view jsonb NOT NULL CHECK (jsonb_typeof(view) = 'object' AND length(view::text) <= 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- saving under a name the user already has replaces that view
  UNIQUE (tenant_id, user_id, name),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- the tenant wall of migration 0012 (docs/decisions/0012)
ALTER TABLE saved_list_views ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON saved_list_views TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));

-- The list's "last contact" (packages/db patients.ts) reads a patient's alerts of every status, resolved ones
-- too; the only index by patient was the partial one of the unresolved (alerts_one_unresolved).
CREATE INDEX alerts_patient ON alerts (patient_id);

-- Down Migration
DROP INDEX alerts_patient;
DROP TABLE saved_list_views;
