-- Up Migration
-- Symptom questionnaires as a measurement type (issue 25; docs/decisions/0042-questionnaires-as-readings.md).
-- A patient's answer is stored as one reading in measurements, source 'patient', so trends, rules, FHIR,
-- log control and forwarding see it as they see a vital; its key in measurement_keys is
-- ('patient-reported', patient id, the client's id), so a re-sent answer is stored once.
ALTER TABLE measurements DROP CONSTRAINT measurements_source_check;
ALTER TABLE measurements ADD CONSTRAINT measurements_source_check CHECK (source IN ('decoded', 'gatt', 'patient'));

-- The answers behind each score (the CAT's 8 items; the daily question's one), beside the reading that
-- holds the score: FHIR shows them as components. local_day is the answer's day in Europe/Oslo: the daily
-- question is answered at most once a day (the unique index; a second answer is refused, ADR 0042).
CREATE TABLE questionnaire_answers (
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  client_id text NOT NULL,
  instrument text NOT NULL CHECK (instrument IN ('cat', 'daily')),
  items smallint[] NOT NULL,
  score smallint NOT NULL,
  answered_at timestamptz NOT NULL,
  local_day date NOT NULL,
  reading_id uuid NOT NULL,
  answered_by_user_id uuid NOT NULL,
  PRIMARY KEY (patient_id, client_id)
);
CREATE UNIQUE INDEX questionnaire_answers_one_daily ON questionnaire_answers (patient_id, local_day) WHERE instrument = 'daily';
CREATE INDEX questionnaire_answers_reading ON questionnaire_answers (reading_id);

ALTER TABLE questionnaire_answers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON questionnaire_answers TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));

-- Down Migration
DROP TABLE questionnaire_answers;
DELETE FROM measurements WHERE source = 'patient';
ALTER TABLE measurements DROP CONSTRAINT measurements_source_check;
ALTER TABLE measurements ADD CONSTRAINT measurements_source_check CHECK (source IN ('decoded', 'gatt'));
