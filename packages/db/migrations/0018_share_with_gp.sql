-- Up Migration
-- "Del med fastlege" and the deliveries' administration (issue 18; docs/decisions/0023).
-- A nurse forwards an alert now, with a note, through the same outbox the
-- red-alert trigger fills: the send-time check (may_forward_to) honours an
-- objection or an ended relationship as for any delivery. A tenant
-- administrator may put a dead letter back in the queue; who and when is kept.

ALTER TABLE forwarding_outbox
  -- the nurse's words to the GP (shown in the Communication), and who asked; null for the trigger's and the scheduler's rows
  ADD COLUMN note text CHECK (length(note) <= 1000),
  ADD COLUMN requested_by_user_id uuid,
  -- a dead letter put back in the queue: the last one who did, and when
  ADD COLUMN requeued_at timestamptz,
  ADD COLUMN requeued_by_user_id uuid,
  ADD CONSTRAINT forwarding_outbox_requested_by_fk FOREIGN KEY (tenant_id, requested_by_user_id) REFERENCES users (tenant_id, id),
  ADD CONSTRAINT forwarding_outbox_requeued_by_fk FOREIGN KEY (tenant_id, requeued_by_user_id) REFERENCES users (tenant_id, id),
  ADD CONSTRAINT forwarding_outbox_note_is_asked CHECK (note IS NULL OR requested_by_user_id IS NOT NULL);

-- the trigger's one delivery per alert and recipient stays; a nurse's share is a delivery of its own
DROP INDEX forwarding_outbox_one_alert;
CREATE UNIQUE INDEX forwarding_outbox_one_alert ON forwarding_outbox (recipient_id, alert_id) WHERE kind = 'alert' AND requested_by_user_id IS NULL;
-- the admin view lists a tenant's deliveries newest first, dead letters on their own
CREATE INDEX forwarding_outbox_tenant ON forwarding_outbox (tenant_id, id DESC);
CREATE INDEX forwarding_outbox_dead ON forwarding_outbox (tenant_id, id DESC) WHERE status = 'dead';

-- Down Migration
DROP INDEX forwarding_outbox_dead, forwarding_outbox_tenant;
DELETE FROM forwarding_outbox WHERE requested_by_user_id IS NOT NULL;
DROP INDEX forwarding_outbox_one_alert;
CREATE UNIQUE INDEX forwarding_outbox_one_alert ON forwarding_outbox (recipient_id, alert_id) WHERE kind = 'alert';
ALTER TABLE forwarding_outbox
  DROP CONSTRAINT forwarding_outbox_note_is_asked, DROP CONSTRAINT forwarding_outbox_requeued_by_fk, DROP CONSTRAINT forwarding_outbox_requested_by_fk,
  DROP COLUMN requeued_by_user_id, DROP COLUMN requeued_at, DROP COLUMN requested_by_user_id, DROP COLUMN note;
