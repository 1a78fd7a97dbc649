-- Up Migration
-- A person who is a user in several tenants (a nurse working for two
-- municipalities; issue 24, docs/decisions/0026): a HelseID login that matches
-- users in more than one tenant opens no session yet. It is kept here for
-- five minutes, under the hash of a one-use token in an HttpOnly cookie,
-- with the users it matched; the person picks the tenant and the session
-- opens for exactly that tenant's user. No tenant_id: it belongs to no tenant
-- until the choice (as a login attempt), and holds no health data.
CREATE TABLE helseid_tenant_choices (
  token_hash text PRIMARY KEY,
  user_ids uuid[] NOT NULL CHECK (cardinality(user_ids) > 1),
  -- what the login said (identity, ID token, auth_time): the session takes it over
  login jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE helseid_tenant_choices;
