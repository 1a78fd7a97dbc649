import type { Role } from '@varde/domain'
import { newToken, tokenHash } from './credentials.js'
import type { Queryable } from './pool.js'

export interface SessionUser {
  userId: string
  tenantId: string
  tenantName: string
  username: string
  displayName: string
  role: Role
  isDemo: boolean
}

export async function createSession(db: Queryable, user: { userId: string; tenantId: string }, ttlMs: number): Promise<string> {
  const token = newToken()
  await db.query(
    `INSERT INTO sessions (token_hash, tenant_id, user_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
    [tokenHash(token), user.tenantId, user.userId, ttlMs / 1000],
  )
  return token
}

export async function findSessionUser(db: Queryable, token: string): Promise<SessionUser | null> {
  const { rows } = await db.query<{
    user_id: string; tenant_id: string; tenant_name: string; username: string; display_name: string
    role: SessionUser['role']; is_demo: boolean
  }>(
    `SELECT u.id AS user_id, u.tenant_id, t.name AS tenant_name, u.username, u.display_name, u.role, u.is_demo
       FROM sessions s JOIN users u ON u.id = s.user_id JOIN tenants t ON t.id = u.tenant_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
    [tokenHash(token)],
  )
  const r = rows[0]
  return r
    ? { userId: r.user_id, tenantId: r.tenant_id, tenantName: r.tenant_name, username: r.username,
        displayName: r.display_name, role: r.role, isDemo: r.is_demo }
    : null
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1 OR expires_at < now()', [tokenHash(token)])
}
