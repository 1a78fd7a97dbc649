-- Up Migration
-- The care team as the trust framework (felles tillitsrammeverk) describes it,
-- the patient's objection (reservasjon), and forwarding to recipients outside
-- the municipality through a durable outbox (issue 18; docs/decisions/0013).

-- Who may receive a patient's data outside the municipality: a GP practice or a
-- hospital department with a FHIR R4 endpoint (transport 'fhir-rest'), or the
-- national route Pasientens måledata ('pmd', a later adapter).
CREATE TABLE forwarding_recipients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Enhetsregisteret (9 digits) and the Address Register's HER-id
  organisation_number text CHECK (organisation_number ~ '^[0-9]{9}$'),
  her_id text CHECK (her_id ~ '^[0-9]{1,9}$'),
  transport text NOT NULL DEFAULT 'fhir-rest' CHECK (transport IN ('fhir-rest', 'pmd')),
  -- null only for the demo GP practice: VARDE_DEMO_GP_FHIR_URL, else the receiver built into demo mode
  base_url text CHECK (base_url ~ '^https?://'),
  sends_red_alerts boolean NOT NULL DEFAULT true,
  sends_daily_readings boolean NOT NULL DEFAULT true,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, name),
  CHECK (base_url IS NOT NULL OR is_demo)
);

-- care_team_members becomes the relationship: one row per relationship, ended
-- rows kept (the decision is part of the record), at most one open per user.
ALTER TABLE care_team_members DROP CONSTRAINT care_team_members_pkey;
ALTER TABLE care_team_members ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE care_team_members ADD PRIMARY KEY (id);
-- a member outside the tenant is an organisation and/or a practitioner, not a user
ALTER TABLE care_team_members ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE care_team_members
  ADD COLUMN organisation_name text CHECK (length(organisation_name) <= 200),
  ADD COLUMN organisation_number text CHECK (organisation_number ~ '^[0-9]{9}$'),
  ADD COLUMN her_id text CHECK (her_id ~ '^[0-9]{1,9}$'),
  ADD COLUMN practitioner_name text CHECK (length(practitioner_name) <= 200),
  -- Helsepersonellregisteret
  ADD COLUMN hpr_number text CHECK (hpr_number ~ '^[0-9]{4,9}$'),
  -- the trust framework's relationship metadata
  ADD COLUMN role_authorization text CHECK (length(role_authorization) <= 100),
  ADD COLUMN legal_entity_number text CHECK (legal_entity_number ~ '^[0-9]{9}$'),
  ADD COLUMN legal_entity_name text CHECK (length(legal_entity_name) <= 200),
  ADD COLUMN point_of_care text CHECK (length(point_of_care) <= 200),
  ADD COLUMN department text CHECK (length(department) <= 200),
  ADD COLUMN healthcare_service text CHECK (length(healthcare_service) <= 200),
  -- HL7 v3 PurposeOfUse: treatment, emergency treatment, coordination of care
  ADD COLUMN purpose_of_use text NOT NULL DEFAULT 'TREAT' CHECK (purpose_of_use IN ('TREAT', 'ETREAT', 'COC')),
  ADD COLUMN starts_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN ends_at timestamptz,
  -- the decision it rests on: who, when, why; and who ended it and why
  ADD COLUMN decided_by_user_id uuid,
  ADD COLUMN decided_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN decision_reason text CHECK (length(decision_reason) <= 1000),
  ADD COLUMN ended_by_user_id uuid,
  ADD COLUMN end_reason text CHECK (length(end_reason) <= 1000),
  -- where this relationship's forwarding goes (the member's organisation)
  ADD COLUMN recipient_id uuid,
  ADD CONSTRAINT care_team_members_period CHECK (ends_at IS NULL OR ends_at >= starts_at),
  ADD CONSTRAINT care_team_members_who CHECK (user_id IS NOT NULL OR organisation_number IS NOT NULL OR her_id IS NOT NULL OR hpr_number IS NOT NULL),
  ADD CONSTRAINT care_team_members_recipient_fk FOREIGN KEY (tenant_id, recipient_id) REFERENCES forwarding_recipients (tenant_id, id),
  ADD CONSTRAINT care_team_members_decided_by_fk FOREIGN KEY (tenant_id, decided_by_user_id) REFERENCES users (tenant_id, id),
  ADD CONSTRAINT care_team_members_ended_by_fk FOREIGN KEY (tenant_id, ended_by_user_id) REFERENCES users (tenant_id, id);
UPDATE care_team_members SET starts_at = added_at, decided_at = added_at, decision_reason = 'on the care team before relationships were recorded (migration 0013)';
CREATE UNIQUE INDEX care_team_members_one_open ON care_team_members (patient_id, user_id) WHERE ends_at IS NULL AND user_id IS NOT NULL;
CREATE INDEX care_team_members_patient ON care_team_members (patient_id);

-- The patient's objection (reservasjon, Patient Records Act § 19): against all
-- sharing beyond the municipal team, or against one recipient (an organisation
-- or a user on the team). The 'all' kind is mirrored in patients.objects_to_sharing.
CREATE TABLE patient_objections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  scope text NOT NULL CHECK (scope IN ('all-beyond-municipal', 'recipient')),
  recipient_id uuid,
  user_id uuid,
  -- how the patient told us
  channel text NOT NULL CHECK (channel IN ('in-person', 'phone', 'letter', 'digital', 'next-of-kin')),
  objected_on date NOT NULL,
  note text CHECK (length(note) <= 1000),
  recorded_by_user_id uuid NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  withdrawn_at timestamptz,
  withdrawn_by_user_id uuid,
  withdrawal_channel text CHECK (withdrawal_channel IN ('in-person', 'phone', 'letter', 'digital', 'next-of-kin')),
  CHECK ((scope = 'recipient') = (recipient_id IS NOT NULL OR user_id IS NOT NULL)),
  CHECK ((withdrawn_at IS NULL) = (withdrawal_channel IS NULL)),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, recipient_id) REFERENCES forwarding_recipients (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, recorded_by_user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, withdrawn_by_user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX patient_objections_in_force ON patient_objections (patient_id) WHERE withdrawn_at IS NULL;

-- Whether the patient's data may go to this recipient now: an active
-- relationship forwards there, and no objection in force stands against it.
-- One definition for the enqueue trigger, the daily batch and the send-time check.
CREATE FUNCTION may_forward_to(p_patient uuid, p_recipient uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM care_team_members c JOIN patients p ON p.id = c.patient_id
     WHERE c.patient_id = p_patient AND c.recipient_id = p_recipient
       AND c.starts_at <= now() AND (c.ends_at IS NULL OR c.ends_at > now())
       AND NOT p.objects_to_sharing
       AND NOT EXISTS (SELECT 1 FROM patient_objections o
                        WHERE o.patient_id = p_patient AND o.withdrawn_at IS NULL
                          AND (o.scope = 'all-beyond-municipal' OR o.recipient_id = p_recipient OR o.user_id = c.user_id)))
$$;

-- What is to be delivered, to whom, and how it went: at least once, in order
-- per recipient, retried with backoff, a dead letter after the last try.
-- Only references are kept; the content is read at send time.
CREATE TABLE forwarding_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text NOT NULL,
  recipient_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('alert', 'readings')),
  alert_id uuid,
  -- readings received in [window_start, window_end)
  window_start timestamptz,
  window_end timestamptz,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- a worker's lease while it sends; a crashed worker's lease runs out and the row is tried again
  claimed_until timestamptz,
  -- a code and status, never health data
  last_error text CHECK (length(last_error) <= 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  settled_at timestamptz,
  CHECK ((kind = 'alert') = (alert_id IS NOT NULL)),
  CHECK ((kind = 'readings') = (window_start IS NOT NULL AND window_end IS NOT NULL)),
  CHECK ((status = 'pending') = (settled_at IS NULL)),
  FOREIGN KEY (tenant_id, recipient_id) REFERENCES forwarding_recipients (tenant_id, id),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, alert_id) REFERENCES alerts (tenant_id, id) ON DELETE CASCADE
);
-- the claim reads pending rows only, through this index (delivered ones, the many, are not in it)
CREATE INDEX forwarding_outbox_pending ON forwarding_outbox (recipient_id, id) WHERE status = 'pending';
CREATE INDEX forwarding_outbox_patient ON forwarding_outbox (patient_id, id DESC);
CREATE UNIQUE INDEX forwarding_outbox_one_alert ON forwarding_outbox (recipient_id, alert_id) WHERE kind = 'alert';
CREATE UNIQUE INDEX forwarding_outbox_one_window ON forwarding_outbox (recipient_id, patient_id, window_start) WHERE kind = 'readings';

-- A red alert is enqueued for the patient's recipients in the statement that
-- makes it red (opened red, or raised from yellow): no code path can write a
-- red alert and forget to forward it, and a rolled-back alert enqueues nothing.
CREATE FUNCTION forward_red_alert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.severity = 'red' AND (TG_OP = 'INSERT' OR OLD.severity <> 'red') THEN
    INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, alert_id)
    SELECT DISTINCT NEW.tenant_id, c.recipient_id, NEW.patient_id, 'alert', NEW.id
      FROM care_team_members c JOIN forwarding_recipients r ON r.id = c.recipient_id
     WHERE c.patient_id = NEW.patient_id AND r.sends_red_alerts AND may_forward_to(NEW.patient_id, c.recipient_id)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER alerts_forward_red AFTER INSERT OR UPDATE OF severity ON alerts
  FOR EACH ROW EXECUTE FUNCTION forward_red_alert();

-- Down Migration
DROP TRIGGER alerts_forward_red ON alerts;
DROP FUNCTION forward_red_alert();
DROP TABLE forwarding_outbox;
DROP FUNCTION may_forward_to(uuid, uuid);
DROP TABLE patient_objections;
DELETE FROM care_team_members WHERE user_id IS NULL OR ends_at IS NOT NULL;
DROP INDEX care_team_members_one_open, care_team_members_patient;
ALTER TABLE care_team_members DROP CONSTRAINT care_team_members_pkey;
ALTER TABLE care_team_members
  DROP COLUMN id, DROP COLUMN organisation_name, DROP COLUMN organisation_number, DROP COLUMN her_id,
  DROP COLUMN practitioner_name, DROP COLUMN hpr_number, DROP COLUMN role_authorization, DROP COLUMN legal_entity_number,
  DROP COLUMN legal_entity_name, DROP COLUMN point_of_care, DROP COLUMN department, DROP COLUMN healthcare_service,
  DROP COLUMN purpose_of_use, DROP COLUMN starts_at, DROP COLUMN ends_at, DROP COLUMN decided_by_user_id,
  DROP COLUMN decided_at, DROP COLUMN decision_reason, DROP COLUMN ended_by_user_id, DROP COLUMN end_reason,
  DROP COLUMN recipient_id;
ALTER TABLE care_team_members ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE care_team_members ADD PRIMARY KEY (patient_id, user_id);
DROP TABLE forwarding_recipients;
