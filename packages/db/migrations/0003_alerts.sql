-- Up Migration
-- The clinical core (issue 5): per-patient rule overrides, service pauses,
-- alerts and their history, and the durable queue of patients whose new
-- readings still have to be judged by the rules.

-- A clinician's change to one rule for one patient. Versioned: a change is a
-- new row with the next version, never an update, so every alert names the
-- exact rule version that raised it (`@varde/domain` ruleOverrideSchema).
CREATE TABLE rule_overrides (
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  rule_id text NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 100),
  version integer NOT NULL CHECK (version > 0),
  kind text,
  params jsonb NOT NULL DEFAULT '{}',
  is_enabled boolean,
  set_by_user_id uuid NOT NULL,
  set_by_name text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now(),
  reason text CHECK (length(reason) <= 500),
  PRIMARY KEY (patient_id, rule_id, version),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, set_by_user_id) REFERENCES users (tenant_id, id)
);

-- A paused service (hospital stay, holiday): no missed-measurement or
-- device-health alerts inside a pause. `ends_at` null: paused until further notice.
CREATE TABLE service_pauses (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz CHECK (ends_at IS NULL OR ends_at > starts_at),
  reason text,
  created_by_user_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX service_pauses_patient ON service_pauses (patient_id, starts_at);

-- One alert per patient and rule key while it is not resolved; later
-- findings update it (count, latest finding) instead of opening another.
CREATE TABLE alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  alert_key text NOT NULL,
  rule_id text NOT NULL,
  rule_version text NOT NULL,
  rule_kind text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('red', 'yellow')),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  count integer NOT NULL DEFAULT 1 CHECK (count > 0),
  -- false once the condition is over (past the hysteresis); the alert stays until a nurse resolves it
  is_condition_active boolean NOT NULL DEFAULT true,
  opened_at timestamptz NOT NULL DEFAULT now(),
  -- the instant the first and the latest finding are about (a reading's measured_at, a deadline, …)
  first_triggered_at timestamptz NOT NULL,
  last_triggered_at timestamptz NOT NULL,
  cleared_at timestamptz,
  summary_nb text NOT NULL,
  summary_en text NOT NULL,
  -- the finding that opened it and the latest one: rule, thresholds, measures, readings, source
  first_finding jsonb NOT NULL,
  last_finding jsonb NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by uuid,
  assigned_to uuid,
  assigned_at timestamptz,
  resolved_at timestamptz,
  resolved_by uuid,
  outcome text CHECK (outcome IN ('contacted-patient', 'adjusted-plan', 'contacted-gp', 'no-action-needed', 'false-alarm')),
  resolution_note text CHECK (length(resolution_note) <= 2000),
  -- since when the alert has been red (opened red, or raised from yellow): escalation counts from here
  red_since timestamptz,
  -- set once when a red alert went unacknowledged past the escalation time
  escalated_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- bumped on every change: events carry it so a client keeps the newest
  revision integer NOT NULL DEFAULT 1,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, acknowledged_by) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, assigned_to) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, resolved_by) REFERENCES users (tenant_id, id),
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND outcome IS NOT NULL)),
  CHECK (status = 'open' OR acknowledged_at IS NOT NULL OR status = 'resolved'),
  CHECK ((severity = 'red') = (red_since IS NOT NULL))
);
CREATE UNIQUE INDEX alerts_one_unresolved ON alerts (patient_id, alert_key) WHERE status <> 'resolved';
CREATE INDEX alerts_tenant_status ON alerts (tenant_id, status, severity, opened_at);
CREATE INDEX alerts_escalation_due ON alerts (red_since) WHERE status = 'open' AND severity = 'red' AND escalated_at IS NULL;

-- Everything that happened to an alert, in order: the rules' findings and
-- the nurses' actions, notes and notifications.
CREATE TABLE alert_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text NOT NULL,
  alert_id uuid NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('opened', 'updated', 'cleared', 'acknowledged', 'assigned', 'noted', 'resolved',
    'escalated', 'notified', 'notification-failed')),
  actor_user_id uuid,
  -- a username, or the service that acted (`rules`, `escalation`)
  actor text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  FOREIGN KEY (tenant_id, alert_id) REFERENCES alerts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

-- Patients with readings the rules have not judged yet. Written in the same
-- statement that stores the readings, deleted in the same statement that
-- applies the rules' actions, so a crash between the two loses no judgement:
-- the next worker finds the row and judges again (the rules are idempotent).
CREATE TABLE rule_work (
  patient_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  -- readings received from this instant on are new to the rules
  pending_since timestamptz NOT NULL,
  -- bumped by every store, so a worker deletes only what it has seen
  seq bigint NOT NULL DEFAULT 1,
  claimed_until timestamptz
);

-- Down Migration
DROP TABLE rule_work, alert_events, alerts, service_pauses, rule_overrides;
