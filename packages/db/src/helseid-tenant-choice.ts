import { newToken, tokenHash } from './credentials.js'
import type { Queryable } from './pool.js'
import type { HelseIdLogin } from './sessions.js'

/** How long a person has to pick the tenant after a HelseID login (migration 0025). */
export const TENANT_CHOICE_SECONDS = 300

/** A tenant a person may pick, with the user they are there. */
export interface TenantOption {
  tenantId: string
  tenantName: string
  userId: string
  username: string
  displayName: string
}

interface StoredLogin { identity: HelseIdLogin['identity']; idToken: string; authTime: string }

/**
 * Keeps a HelseID login that matched users in several tenants (docs/decisions/0026)
 * until the person picks one; the token (for an HttpOnly cookie) names it.
 */
export async function openTenantChoice(db: Queryable, userIds: readonly string[], login: HelseIdLogin): Promise<string> {
  const token = newToken()
  const stored: StoredLogin = { identity: login.identity, idToken: login.idToken, authTime: login.authTime.toISOString() }
  await db.query(
    `INSERT INTO helseid_tenant_choices (token_hash, user_ids, login, expires_at) VALUES ($1, $2::uuid[], $3, now() + make_interval(secs => $4))`,
    [tokenHash(token), userIds, JSON.stringify(stored), TENANT_CHOICE_SECONDS],
  )
  return token
}

const OPTIONS_SQL = `
  SELECT u.tenant_id, t.name AS tenant_name, u.id AS user_id, u.username, u.display_name
    FROM helseid_tenant_choices c
    JOIN users u ON u.id = ANY (c.user_ids) AND u.disabled_at IS NULL
    JOIN tenants t ON t.id = u.tenant_id
   WHERE c.token_hash = $1 AND c.expires_at > now()`

const toOption = (r: { tenant_id: string; tenant_name: string; user_id: string; username: string; display_name: string }): TenantOption =>
  ({ tenantId: r.tenant_id, tenantName: r.tenant_name, userId: r.user_id, username: r.username, displayName: r.display_name })

/** The tenants the person of a live choice may pick, by name; empty when it is unknown, used or expired. */
export async function tenantChoiceOptions(db: Queryable, token: string): Promise<TenantOption[]> {
  const { rows } = await db.query<{ tenant_id: string; tenant_name: string; user_id: string; username: string; display_name: string }>(
    `${OPTIONS_SQL} ORDER BY t.name`, [tokenHash(token)])
  return rows.map(toOption)
}

/**
 * Uses the choice (once: it is gone after, whatever the answer): the user
 * the person is in `tenantId`, with the login to open the session with; null
 * when the choice is unknown, used or expired, or the person is no user there.
 */
export async function takeTenantChoice(db: Queryable, token: string, tenantId: string): Promise<{ option: TenantOption; login: HelseIdLogin } | null> {
  const { rows } = await db.query<{ tenant_id: string; tenant_name: string; user_id: string; username: string; display_name: string; login: StoredLogin }>(
    `WITH taken AS (DELETE FROM helseid_tenant_choices WHERE token_hash = $1 OR expires_at < now() RETURNING token_hash, user_ids, login, expires_at)
     SELECT u.tenant_id, t.name AS tenant_name, u.id AS user_id, u.username, u.display_name, c.login
       FROM taken c
       JOIN users u ON u.id = ANY (c.user_ids) AND u.disabled_at IS NULL AND u.tenant_id = $2
       JOIN tenants t ON t.id = u.tenant_id
      WHERE c.token_hash = $1 AND c.expires_at > now()`,
    [tokenHash(token), tenantId],
  )
  const r = rows[0]
  return r ? { option: toOption(r), login: { identity: r.login.identity, idToken: r.login.idToken, authTime: new Date(r.login.authTime) } } : null
}

/**
 * The access log's entry for a session opened in the tenant the person
 * picked (action `tenant-chosen`, in that tenant's log): which tenants they
 * could have picked, and the HPR number. Switching tenant is a new login and
 * a new choice, so every switch has its entry.
 */
export async function logTenantChosen(db: Queryable, option: TenantOption, offered: readonly string[], hprNumber: string | null): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
     VALUES ($1, $2, $3, 'tenant-chosen', 'Session', $1, NULL, 'allowed', $4)`,
    [option.tenantId, option.userId, option.username, JSON.stringify({ offered, helseid: { hprNumber } })],
  )
}
