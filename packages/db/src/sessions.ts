import type { Role } from '@varde/domain'
import { newToken, tokenHash } from './credentials.js'
import type { Queryable } from './pool.js'

/** What a HelseID login said of the user (migration 0022), kept on the session for the access log. */
export interface SessionIdentity {
  subject: string
  hprNumber: string | null
  pidPseudonym: string | null
  securityLevel: number | null
  organisation: string | null
  /** The trust framework's parameters (`nhn:tillitsrammeverk:parameters`), validated at login. */
  trustFramework: unknown
}

export interface SessionUser {
  userId: string
  tenantId: string
  tenantName: string
  username: string
  displayName: string
  role: Role
  isDemo: boolean
  authMethod: 'password' | 'helseid' | 'idporten'
  /** When the user last proved who they are (login, or a fresh login before emergency access). */
  authTime: Date
  /** A HelseID session's claims; null for a password session. */
  identity: SessionIdentity | null
}

export interface HelseIdLogin {
  identity: SessionIdentity
  /** For single logout (id_token_hint). */
  idToken: string
  authTime: Date
}

/** Sessions end after this long without a request unless the caller says otherwise (docs/decisions/0021). */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000

export async function createSession(db: Queryable, user: { userId: string; tenantId: string }, ttlMs: number, helseId?: HelseIdLogin): Promise<string> {
  const token = newToken()
  await db.query(
    `INSERT INTO sessions (token_hash, tenant_id, user_id, expires_at, auth_method, auth_time, identity, id_token)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, coalesce($6, now()), $7, $8)`,
    [tokenHash(token), user.tenantId, user.userId, ttlMs / 1000, helseId ? 'helseid' : 'password',
      helseId?.authTime ?? null, helseId ? JSON.stringify(helseId.identity) : null, helseId?.idToken ?? null],
  )
  return token
}

/**
 * A patient's session from an ID-porten login (migration 0038): its ID token
 * for single logout and the time of the login; no identity is kept (the
 * national id matched the patient and is not needed again).
 */
export async function createIdPortenSession(db: Queryable, user: { userId: string; tenantId: string }, ttlMs: number, login: { idToken: string; authTime: Date }): Promise<string> {
  const token = newToken()
  await db.query(
    `INSERT INTO sessions (token_hash, tenant_id, user_id, expires_at, auth_method, auth_time, id_token)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4), 'idporten', $5, $6)`,
    [tokenHash(token), user.tenantId, user.userId, ttlMs / 1000, login.authTime, login.idToken],
  )
  return token
}

/**
 * The user of a live session, or null: past its absolute end (expires_at),
 * idle longer than `idleMs`, or its user disabled. A request keeps it alive:
 * last_seen_at moves on, at most every 15 s (one write, not one per request
 * of a busy page); `touch: false` (a live stream's own check, which is no
 * user's doing) leaves it, so an open page does not keep an idle session
 * alive. Wall clock (docs/decisions/0014: sessions stay on it).
 */
export async function findSessionUser(db: Queryable, token: string, idleMs: number = DEFAULT_SESSION_IDLE_MS, touch = true): Promise<SessionUser | null> {
  const { rows } = await db.query<{
    user_id: string; tenant_id: string; tenant_name: string; username: string; display_name: string
    role: SessionUser['role']; is_demo: boolean; auth_method: SessionUser['authMethod']; auth_time: Date; identity: SessionIdentity | null
  }>(
    `WITH live AS (
       SELECT s.token_hash, s.last_seen_at, u.id AS user_id, u.tenant_id, t.name AS tenant_name, u.username, u.display_name, u.role, u.is_demo,
              s.auth_method, s.auth_time, s.identity
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN tenants t ON t.id = u.tenant_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2) AND u.disabled_at IS NULL
     ), touched AS (
       UPDATE sessions s SET last_seen_at = now() FROM live
        WHERE s.token_hash = live.token_hash AND live.last_seen_at < now() - interval '15 seconds' AND $3
     )
     SELECT user_id, tenant_id, tenant_name, username, display_name, role, is_demo, auth_method, auth_time, identity FROM live`,
    [tokenHash(token), idleMs / 1000, touch],
  )
  const r = rows[0]
  return r
    ? { userId: r.user_id, tenantId: r.tenant_id, tenantName: r.tenant_name, username: r.username,
        displayName: r.display_name, role: r.role, isDemo: r.is_demo, authMethod: r.auth_method, authTime: r.auth_time, identity: r.identity }
    : null
}

/** The ID token of a HelseID session, for single logout; null for a password session or none. */
export async function sessionIdToken(db: Queryable, token: string): Promise<string | null> {
  const { rows } = await db.query<{ id_token: string | null }>('SELECT id_token FROM sessions WHERE token_hash = $1', [tokenHash(token)])
  return rows[0]?.id_token ?? null
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1 OR expires_at < now()', [tokenHash(token)])
}
