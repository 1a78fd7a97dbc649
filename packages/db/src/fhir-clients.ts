import { newToken, tokenHash } from './credentials.js'
import type { Queryable } from './pool.js'

/**
 * Machine clients of the FHIR API (SMART Backend Services, issue 22;
 * migration 0037, docs/decisions/0038): a hospital's system registered with
 * its public keys and the organisation it acts for. Its id stands where a
 * user's would in the care relationship (care-relationship.ts), so it sees
 * the patients on whose care team its organisation is.
 */
export interface FhirClient {
  id: string
  tenantId: string
  clientId: string
  name: string
  organisationNumber: string
  /** RFC 7517 key set of public keys. */
  jwks: { keys: Record<string, unknown>[] }
  scopes: string[]
}

export interface NewFhirClient {
  tenantId: string
  clientId: string
  name: string
  organisationNumber: string
  jwks: { keys: Record<string, unknown>[] }
  scopes?: string[]
}

/** Members of a JWK that only a private key has (RFC 7518 §6.2.2, §6.3.2): never stored. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

export class FhirClientError extends Error {
  constructor(readonly code: 'private-key-in-jwks' | 'client-exists') {
    super(code === 'private-key-in-jwks' ? 'The key set holds a private key: register the public keys only' : 'A client with this client_id exists')
  }
}

export async function registerFhirClient(db: Queryable, c: NewFhirClient): Promise<FhirClient> {
  if (c.jwks.keys.some((k) => PRIVATE_MEMBERS.some((m) => m in k))) throw new FhirClientError('private-key-in-jwks')
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO fhir_clients (tenant_id, client_id, name, organisation_number, jwks, scopes)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (client_id) DO NOTHING RETURNING id`,
    [c.tenantId, c.clientId, c.name, c.organisationNumber, JSON.stringify(c.jwks), c.scopes ?? ['system/*.read']],
  )
  if (!rows[0]) throw new FhirClientError('client-exists')
  return { id: rows[0].id, tenantId: c.tenantId, clientId: c.clientId, name: c.name, organisationNumber: c.organisationNumber, jwks: c.jwks, scopes: c.scopes ?? ['system/*.read'] }
}

interface ClientRow { id: string; tenant_id: string; client_id: string; name: string; organisation_number: string; jwks: FhirClient['jwks']; scopes: string[] }
const toClient = (r: ClientRow): FhirClient => ({
  id: r.id, tenantId: r.tenant_id, clientId: r.client_id, name: r.name, organisationNumber: r.organisation_number, jwks: r.jwks, scopes: r.scopes,
})

/** An enabled client by its OAuth client_id, or null (the token endpoint: before any tenant is known). */
export async function findFhirClient(db: Queryable, clientId: string): Promise<FhirClient | null> {
  const { rows } = await db.query<ClientRow>(
    'SELECT id, tenant_id, client_id, name, organisation_number, jwks, scopes FROM fhir_clients WHERE client_id = $1 AND disabled_at IS NULL', [clientId])
  return rows[0] ? toClient(rows[0]) : null
}

/**
 * Records an assertion's jti as used, until its exp; false when it was used
 * before (a replay, RFC 7523 §3 item 7). Expired ones are swept as it goes.
 */
export async function useAssertionOnce(db: Queryable, client: FhirClient, jti: string, expiresAt: Date): Promise<boolean> {
  await db.query('DELETE FROM fhir_client_assertions WHERE expires_at < now()')
  const { rows } = await db.query(
    `INSERT INTO fhir_client_assertions (client_uuid, jti, tenant_id, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (client_uuid, jti) DO NOTHING RETURNING jti`,
    [client.id, jti, client.tenantId, expiresAt],
  )
  return rows.length === 1
}

/** A new access token for the client (stored as its hash, as sessions are); the token itself is returned once. */
export async function issueClientToken(db: Queryable, client: FhirClient, scopes: string[], ttlSeconds: number): Promise<string> {
  const token = newToken()
  await db.query('DELETE FROM fhir_client_tokens WHERE expires_at < now()')
  await db.query(
    `INSERT INTO fhir_client_tokens (token_hash, client_uuid, tenant_id, scopes, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
    [tokenHash(token), client.id, client.tenantId, scopes, ttlSeconds],
  )
  return token
}

export interface ClientTokenHolder { client: FhirClient; scopes: string[] }

/** The client of a live access token, or null (unknown, expired, or its client disabled). */
export async function findClientByToken(db: Queryable, token: string): Promise<ClientTokenHolder | null> {
  const { rows } = await db.query<ClientRow & { token_scopes: string[] }>(
    `SELECT c.id, c.tenant_id, c.client_id, c.name, c.organisation_number, c.jwks, c.scopes, t.scopes AS token_scopes
       FROM fhir_client_tokens t JOIN fhir_clients c ON c.id = t.client_uuid
      WHERE t.token_hash = $1 AND t.expires_at > now() AND c.disabled_at IS NULL`,
    [tokenHash(token)],
  )
  return rows[0] ? { client: toClient(rows[0]), scopes: rows[0].token_scopes } : null
}
