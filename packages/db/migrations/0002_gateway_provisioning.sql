-- Up Migration
-- Gateway provisioning: every change of a gateway's credentials (rotation,
-- revocation) is stamped, whoever makes it (admin API, CLI, plain SQL), so
-- that each broker instance can find the connected gateways it must cut off
-- by polling one index, even when the order did not reach it over MQTT.
ALTER TABLE gateways ADD COLUMN credentials_changed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX gateways_credentials_changed ON gateways (credentials_changed_at);

CREATE FUNCTION gateways_stamp_credentials_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.secret_hash IS DISTINCT FROM OLD.secret_hash OR NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
    NEW.credentials_changed_at := now();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER gateways_credentials_changed BEFORE UPDATE ON gateways
  FOR EACH ROW EXECUTE FUNCTION gateways_stamp_credentials_change();

-- Who paired a device with the gateway's patient (an admin's username or the CLI).
ALTER TABLE devices ADD COLUMN paired_by text;

-- Down Migration
ALTER TABLE devices DROP COLUMN paired_by;
DROP TRIGGER gateways_credentials_changed ON gateways;
DROP FUNCTION gateways_stamp_credentials_change();
DROP INDEX gateways_credentials_changed;
ALTER TABLE gateways DROP COLUMN credentials_changed_at;
