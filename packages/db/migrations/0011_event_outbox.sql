-- Up Migration
-- The outbox (issue 15, docs/decisions/0011-ingest-parts-and-outbox.md): an
-- event a write must announce is inserted here by the same statement that
-- makes the write, so a crash between the write and the publish cannot lose
-- it. A relay (ingest/src/outbox-relay.ts) claims rows in id order, publishes
-- each with QoS 1 and deletes it once the broker has it: at least once, and
-- consumers already keep the highest revision of an alert. The alert changes
-- (the rules, escalation) are the first; the forwarding outbox builds on it.
CREATE TABLE event_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- the internal MQTT topic (`INTERNAL_TOPICS`)
  topic text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
  -- the event's facts; the relay builds the message with @varde/domain's builder for the topic
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- a relay's claim: until then no other relay takes the row; a relay that dies leaves it to run out
  claimed_until timestamptz
);

-- Down Migration
DROP TABLE event_outbox;
