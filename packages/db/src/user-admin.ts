import type { Role } from '@varde/domain'
import type { DbActor } from './actor.js'
import type { Queryable } from './pool.js'

/**
 * A tenant administrator's users (issue 17, "Users and roles"): the
 * municipality's own staff, created, given a role, enabled and disabled,
 * their password reset. Each write and its access-log entry are ONE
 * statement (as gateway-provisioning.ts), so nothing is changed without its
 * entry. A disabled user's sessions are deleted in the same statement: the
 * next request of any of them is refused (sessions.ts also refuses a
 * disabled user's session, and credentials refuse the login).
 * Outside GPs' and patients' own logins are not staff: this module neither
 * lists nor changes them (they come with the care team and the patient).
 */
export const STAFF_ROLES = ['nurse', 'clinician', 'admin', 'privacy-officer'] as const satisfies readonly Role[]
export type StaffRole = (typeof STAFF_ROLES)[number]

export interface StaffUser {
  id: string
  username: string
  displayName: string
  role: StaffRole
  disabledAt: Date | null
  createdAt: Date
  /** The patients on whose care team the user has an active relationship. */
  patients: { memberId: string; patientId: string; patientName: string; relation: string }[]
}

export type UserAdminFailure = 'not-found' | 'username-taken' | 'own-account'
export type UserAdminResult<T> = ({ ok: true } & T) | { ok: false; code: UserAdminFailure }

/** $1..$4 of every statement: the actor's tenant, user id and name, and the entry's details; the statement's own follow from $5. */
const withActor = (actor: DbActor, params: unknown[], details: Record<string, unknown>): unknown[] =>
  [actor.tenantId, actor.userId, actor.username, JSON.stringify(details), ...params]
/** The entry, for the rows of the statement's CTE `x` (id): no row changed, no entry. */
const audit = (action: string) => `
  INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, outcome, details)
  SELECT $1, $2::uuid, $3, '${action}', 'User', x.id::text, 'allowed', $4::jsonb FROM x`
const STAFF = `role IN (${STAFF_ROLES.map((r) => `'${r}'`).join(', ')})`

/** The tenant's staff, by name, each with the patients whose care team they are on. */
export async function listStaffUsers(db: Queryable, tenantId: string): Promise<StaffUser[]> {
  const [users, teams] = await Promise.all([
    db.query<{ id: string; username: string; display_name: string; role: StaffRole; disabled_at: Date | null; created_at: Date }>(
      `SELECT id, username, display_name, role, disabled_at, created_at FROM users
        WHERE tenant_id = $1 AND ${STAFF} ORDER BY display_name, username`,
      [tenantId],
    ),
    db.query<{ id: string; user_id: string; patient_id: string; display_name: string; relation: string }>(
      `SELECT c.id, c.user_id, c.patient_id, p.display_name, c.relation
         FROM care_team_members c JOIN patients p ON p.tenant_id = c.tenant_id AND p.id = c.patient_id
        WHERE c.tenant_id = $1 AND c.user_id IS NOT NULL AND c.starts_at <= now() AND (c.ends_at IS NULL OR c.ends_at > now())
        ORDER BY p.display_name, c.id`,
      [tenantId],
    ),
  ])
  return users.rows.map((u) => ({
    id: u.id, username: u.username, displayName: u.display_name, role: u.role, disabledAt: u.disabled_at, createdAt: u.created_at,
    patients: teams.rows.filter((t) => t.user_id === u.id)
      .map((t) => ({ memberId: t.id, patientId: t.patient_id, patientName: t.display_name, relation: t.relation })),
  }))
}

/** The tenant's patients whose service has not ended: whom a user may be put on the care team of. */
export async function listAssignablePatients(db: Queryable, tenantId: string): Promise<{ id: string; displayName: string }[]> {
  const { rows } = await db.query<{ id: string; display_name: string }>(
    `SELECT id, display_name FROM patients WHERE tenant_id = $1 AND service_state <> 'ended' ORDER BY display_name, id`, [tenantId])
  return rows.map((r) => ({ id: r.id, displayName: r.display_name }))
}

/** The staff user of the tenant, or null (another tenant's user, a GP's or patient's login, no such id). */
export async function findStaffUser(db: Queryable, tenantId: string, userId: string): Promise<{ role: StaffRole } | null> {
  const { rows } = await db.query<{ role: StaffRole }>(`SELECT role FROM users WHERE tenant_id = $1 AND id = $2::uuid AND ${STAFF}`, [tenantId, userId])
  return rows[0] ?? null
}

/**
 * Creates a user with a password hash (of a password shown once to the
 * administrator). Usernames are unique across the installation, since one
 * logs in by username alone: a name another tenant uses is `username-taken`
 * too (docs/decisions/0024).
 */
export async function createStaffUser(
  db: Queryable, p: { actor: DbActor; username: string; displayName: string; role: StaffRole; passwordHash: string },
): Promise<UserAdminResult<{ userId: string }>> {
  const { rows } = await db.query<{ id: string }>(
    `WITH x AS (INSERT INTO users (tenant_id, username, display_name, role, password_hash)
                VALUES ($1, $5, $6, $7, $8) ON CONFLICT (username) DO NOTHING RETURNING id),
          a AS (${audit('user.create')})
     SELECT id FROM x`,
    withActor(p.actor, [p.username, p.displayName, p.role, p.passwordHash], { username: p.username, role: p.role }),
  )
  return rows[0] ? { ok: true, userId: rows[0].id } : { ok: false, code: 'username-taken' }
}

/**
 * Sets a user's role and/or whether they may log in. Disabling deletes the
 * user's sessions in the same statement. An administrator can neither
 * disable nor demote themself (the tenant would be left without anyone to
 * undo it): `own-account`.
 */
export async function updateStaffUser(
  db: Queryable, p: { actor: DbActor; userId: string; role?: StaffRole | undefined; isEnabled?: boolean | undefined },
): Promise<UserAdminResult<{ disabled: boolean }>> {
  if (p.userId === p.actor.userId && ((p.role !== undefined && p.role !== 'admin') || p.isEnabled === false)) return { ok: false, code: 'own-account' }
  const { rows } = await db.query<{ found: number; disabled: boolean | null }>(
    `WITH u AS (SELECT id FROM users WHERE tenant_id = $1 AND id = $5::uuid AND ${STAFF}),
          x AS (UPDATE users SET role = coalesce($6, role),
                                 disabled_at = CASE WHEN $7::boolean IS NULL THEN disabled_at
                                                    WHEN $7 THEN NULL ELSE coalesce(disabled_at, now()) END
                 WHERE id = (SELECT id FROM u) RETURNING id, disabled_at IS NOT NULL AS disabled),
          s AS (DELETE FROM sessions WHERE user_id = (SELECT id FROM x WHERE disabled) RETURNING 1),
          a AS (${audit('user.update')})
     SELECT (SELECT count(*) FROM u)::int AS found, (SELECT disabled FROM x) AS disabled`,
    withActor(p.actor, [p.userId, p.role ?? null, p.isEnabled ?? null], {
      ...(p.role !== undefined ? { role: p.role } : {}), ...(p.isEnabled !== undefined ? { isEnabled: p.isEnabled } : {}),
    }),
  )
  const r = rows[0]
  if (!r || r.found === 0) return { ok: false, code: 'not-found' }
  return { ok: true, disabled: r.disabled === true }
}

/** Gives a user a new password hash (of a password shown once) and ends their sessions: whoever held the old one is out. */
export async function resetStaffPassword(
  db: Queryable, p: { actor: DbActor; userId: string; passwordHash: string },
): Promise<UserAdminResult<object>> {
  const { rows } = await db.query<{ found: number }>(
    `WITH x AS (UPDATE users SET password_hash = $6 WHERE tenant_id = $1 AND id = $5::uuid AND ${STAFF} RETURNING id),
          s AS (DELETE FROM sessions WHERE user_id = (SELECT id FROM x) RETURNING 1),
          a AS (${audit('user.reset-password')})
     SELECT count(*)::int AS found FROM x`,
    withActor(p.actor, [p.userId, p.passwordHash], {}),
  )
  return rows[0]?.found ? { ok: true } : { ok: false, code: 'not-found' }
}

/** The patient of the user's active care-team relationship `memberId`, or null (not theirs, ended, another tenant's). */
export async function findUserMembership(db: Queryable, tenantId: string, userId: string, memberId: string): Promise<{ patientId: string } | null> {
  const { rows } = await db.query<{ patient_id: string }>(
    `SELECT patient_id FROM care_team_members
      WHERE tenant_id = $1 AND user_id = $2::uuid AND id = $3::uuid AND starts_at <= now() AND (ends_at IS NULL OR ends_at > now())`,
    [tenantId, userId, memberId])
  return rows[0] ? { patientId: rows[0].patient_id } : null
}
