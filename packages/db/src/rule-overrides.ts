import { ruleOverrideSchema, type RuleKind, type RuleOverride, type ServicePause } from '@varde/domain'
import type { DbActor } from './actor.js'
import { CARE_RELATIONSHIP } from './care-relationship.js'
import { isUuid } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * A clinician's per-patient rule overrides (versioned rows, never updated)
 * and service pauses (*pause tjenesten*). Clinicians write and read them here
 * through the portal; the rules worker reads them with `loadRuleOverrides`
 * and `loadServicePauses` at each evaluation.
 *
 * Every statement for a clinician checks the tenant, the caller's care
 * relationship (care-relationship.ts) and, for changes, the caller's role, and writes
 * its access-log entry in the same statement (decision 0001): a change is
 * never stored without its entry, nor the other way round.
 */


export type CareWriteFailure = 'not-found' | 'forbidden' | 'version-conflict' | 'overlaps' | 'invalid-range' | 'already-ended' | 'not-started'
export type CareWriteResult<T> = ({ ok: true } & T) | { ok: false; code: CareWriteFailure }

/** Roles that may change a patient's rules and pauses (not an administrator). */
export const CARE_ROLES = ['nurse', 'clinician'] as const

/**
 * Parameters $1..$4 of every write: tenant, user, username, audit details;
 * the statement's own follow from $5 (always the patient id). CTE `p` is the
 * patient when the caller gives it care, `u` the caller when allowed to
 * change; the access-log entry is written for each row of CTE `x`
 * (id, patient_id).
 */
function withActor(actor: DbActor, params: unknown[], details: Record<string, unknown> = {}): unknown[] {
  return [actor.tenantId, actor.userId, actor.username, JSON.stringify(details), ...params]
}
const ACTOR_CTES = `
  p AS (SELECT p.id FROM patients p WHERE p.tenant_id = $1 AND p.id = $5::uuid AND ${CARE_RELATIONSHIP}),
  u AS (SELECT id, display_name, hpr_number FROM users
         WHERE tenant_id = $1 AND id = $2::uuid AND disabled_at IS NULL AND role IN (${CARE_ROLES.map((r) => `'${r}'`).join(', ')}))`
const audit = (action: string, resourceType: string) => `
  INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
  SELECT $1, $2::uuid, $3, '${action}', '${resourceType}', x.id, x.patient_id, 'allowed', $4::jsonb FROM x`

interface OverrideRow {
  patient_id: string; rule_id: string; version: number; kind: string | null; params: Record<string, unknown>
  is_enabled: boolean | null; set_by_user_id: string; set_by_name: string; hpr_number: string | null; set_at: Date
  reason: string | null
}
const OVERRIDE_COLUMNS = `o.patient_id, o.rule_id, o.version, o.kind, o.params, o.is_enabled, o.set_by_user_id, o.set_by_name,
  su.hpr_number, o.set_at, o.reason`
const SET_BY_JOIN = 'LEFT JOIN users su ON su.tenant_id = o.tenant_id AND su.id = o.set_by_user_id'

/** A stored row in the domain's shape, validated: a row that fails is corrupt, and the error names it (ids only). */
function toOverride(r: OverrideRow): RuleOverride {
  const parsed = ruleOverrideSchema.safeParse({
    ruleId: r.rule_id, version: r.version, params: r.params, setAt: r.set_at, reason: r.reason,
    setBy: { id: r.set_by_user_id, name: r.set_by_name, ...(r.hpr_number ? { hprNumber: r.hpr_number } : {}) },
    ...(r.kind !== null ? { kind: r.kind } : {}),
    ...(r.is_enabled !== null ? { isEnabled: r.is_enabled } : {}),
  })
  if (!parsed.success) throw new Error(`rule_overrides row ${r.patient_id} ${r.rule_id} v${r.version} is invalid: ${parsed.error.message}`)
  return parsed.data
}

/** Every version of every override of one patient the user gives care to, newest first ([] when not visible). */
export async function listRuleOverrides(db: Queryable, q: { tenantId: string; userId: string; patientId: string }): Promise<RuleOverride[]> {
  if (!isUuid(q.patientId)) return []
  const { rows } = await db.query<OverrideRow>(
    `SELECT ${OVERRIDE_COLUMNS}
       FROM rule_overrides o JOIN patients p ON p.tenant_id = o.tenant_id AND p.id = o.patient_id ${SET_BY_JOIN}
      WHERE o.tenant_id = $1 AND o.patient_id = $3::uuid AND ${CARE_RELATIONSHIP}
      ORDER BY o.set_at DESC, o.rule_id, o.version DESC`,
    [q.tenantId, q.userId, q.patientId],
  )
  return rows.map(toOverride)
}

/**
 * For the rules worker: the latest version of each overridden rule, per
 * patient (every id asked for is a key; [] when it has none), ready for
 * `resolvePatientRules(conditions, overrides)`. No care check: a service
 * reads it. Uses the primary key (patient_id, rule_id, version).
 */
export async function loadRuleOverrides(
  db: Queryable, patientIds: string[],
  /** A stored row that does not pass the schema (only direct SQL can write one) is left out and reported here. */
  onInvalid: (patientId: string, ruleId: string, error: unknown) => void = () => {},
): Promise<Map<string, RuleOverride[]>> {
  const ids = [...new Set(patientIds.filter(isUuid))]
  const byPatient = new Map<string, RuleOverride[]>(ids.map((id) => [id, []]))
  if (ids.length === 0) return byPatient
  const { rows } = await db.query<OverrideRow>(
    `SELECT DISTINCT ON (o.patient_id, o.rule_id) ${OVERRIDE_COLUMNS}
       FROM rule_overrides o ${SET_BY_JOIN}
      WHERE o.patient_id = ANY($1::uuid[])
      ORDER BY o.patient_id, o.rule_id, o.version DESC`,
    [ids],
  )
  for (const r of rows) {
    // one bad row must not stop the rules of every patient judged with it
    try {
      byPatient.get(r.patient_id)?.push(toOverride(r))
    } catch (error) {
      onInvalid(r.patient_id, r.rule_id, error)
    }
  }
  return byPatient
}

export interface NewRuleOverride {
  actor: DbActor
  patientId: string
  ruleId: string
  kind?: RuleKind | undefined
  params: Record<string, unknown>
  isEnabled?: boolean | undefined
  reason?: string | null | undefined
  /**
   * The version the caller based the change on (0: none yet): stored only
   * while it is still the latest, so a change made meanwhile by someone else
   * is not silently overwritten (`version-conflict`). Omitted: no such check.
   */
  basedOnVersion?: number | undefined
}

/**
 * Stores the next version of one rule's override (max + 1, computed in the
 * INSERT itself; two writers racing for the same version meet the primary
 * key, and the loser gets `version-conflict`). The caller's display name is
 * kept with the row; validation of the params against the rule set is the
 * caller's (resolvePatientRules), before this.
 */
export async function addRuleOverride(db: Queryable, o: NewRuleOverride): Promise<CareWriteResult<{ override: RuleOverride }>> {
  if (!isUuid(o.patientId)) return { ok: false, code: 'not-found' }
  try {
    const { rows } = await db.query<{ patients: number; users: number } & Partial<OverrideRow>>(
      `WITH ${ACTOR_CTES},
            cur AS (SELECT coalesce(max(version), 0) AS version FROM rule_overrides WHERE patient_id = $5::uuid AND rule_id = $6),
            o AS (INSERT INTO rule_overrides (tenant_id, patient_id, rule_id, version, kind, params, is_enabled, set_by_user_id, set_by_name, reason)
                  SELECT $1, p.id, $6, cur.version + 1, $7, $8::jsonb, $9, u.id, u.display_name, $10
                    FROM p, u, cur WHERE $11::int IS NULL OR cur.version = $11::int
                  RETURNING *),
            x AS (SELECT o.rule_id || '@' || o.version AS id, o.patient_id FROM o),
            a AS (${audit('rule-override.create', 'RuleOverride')})
       SELECT (SELECT count(*) FROM p)::int AS patients, (SELECT count(*) FROM u)::int AS users,
              o.patient_id, o.rule_id, o.version, o.kind, o.params, o.is_enabled, o.set_by_user_id, o.set_by_name,
              (SELECT hpr_number FROM u) AS hpr_number, o.set_at, o.reason
         FROM (SELECT 1) one LEFT JOIN o ON true`,
      withActor(o.actor, [o.patientId, o.ruleId, o.kind ?? null, JSON.stringify(o.params), o.isEnabled ?? null, o.reason ?? null,
        o.basedOnVersion ?? null], { ruleId: o.ruleId }),
    )
    const r = rows[0]
    if (!r || r.patients === 0) return { ok: false, code: 'not-found' }
    if (r.users === 0) return { ok: false, code: 'forbidden' }
    if (r.version == null) return { ok: false, code: 'version-conflict' }
    return { ok: true, override: toOverride(r as OverrideRow) }
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return { ok: false, code: 'version-conflict' }
    throw error
  }
}

/** A pause as clinicians see it. */
export interface ServicePauseRecord {
  id: string
  patientId: string
  startsAt: Date
  /** null: paused until further notice. */
  endsAt: Date | null
  reason: string | null
  createdBy: { id: string; name: string | null } | null
  createdAt: Date
}

interface PauseRow {
  id: string; patient_id: string; starts_at: Date; ends_at: Date | null; reason: string | null
  created_by_user_id: string | null; created_by_name: string | null; created_at: Date
}
const toPause = (r: PauseRow): ServicePauseRecord => ({
  id: String(r.id), patientId: r.patient_id, startsAt: r.starts_at, endsAt: r.ends_at, reason: r.reason,
  createdBy: r.created_by_user_id ? { id: r.created_by_user_id, name: r.created_by_name } : null, createdAt: r.created_at,
})

/** A patient's pauses, the latest start first ([] when not visible to the user). */
export async function listServicePauses(db: Queryable, q: { tenantId: string; userId: string; patientId: string }): Promise<ServicePauseRecord[]> {
  if (!isUuid(q.patientId)) return []
  const { rows } = await db.query<PauseRow>(
    `SELECT s.id, s.patient_id, s.starts_at, s.ends_at, s.reason, s.created_by_user_id, cu.display_name AS created_by_name, s.created_at
       FROM service_pauses s JOIN patients p ON p.tenant_id = s.tenant_id AND p.id = s.patient_id
       LEFT JOIN users cu ON cu.tenant_id = s.tenant_id AND cu.id = s.created_by_user_id
      WHERE s.tenant_id = $1 AND s.patient_id = $3::uuid AND ${CARE_RELATIONSHIP}
      ORDER BY s.starts_at DESC, s.id DESC`,
    [q.tenantId, q.userId, q.patientId],
  )
  return rows.map(toPause)
}

/**
 * For the rules worker: per patient (every id asked for is a key), the pauses
 * that can still matter to an evaluation: open ones, planned ones, and those
 * that ended within the last 14 days (the rules' history window), oldest first.
 */
export async function loadServicePauses(db: Queryable, patientIds: string[]): Promise<Map<string, ServicePause[]>> {
  const ids = [...new Set(patientIds.filter(isUuid))]
  const byPatient = new Map<string, ServicePause[]>(ids.map((id) => [id, []]))
  if (ids.length === 0) return byPatient
  const { rows } = await db.query<{ patient_id: string; starts_at: Date; ends_at: Date | null }>(
    `SELECT patient_id, starts_at, ends_at FROM service_pauses
      WHERE patient_id = ANY($1::uuid[]) AND (ends_at IS NULL OR ends_at > varde_now() - interval '14 days')
      ORDER BY patient_id, starts_at, id`,
    [ids],
  )
  for (const r of rows) byPatient.get(r.patient_id)?.push({ from: r.starts_at, until: r.ends_at })
  return byPatient
}

const PAUSE_RETURNING = 'RETURNING id, patient_id, starts_at, ends_at, reason, created_by_user_id, created_at'
const PAUSE_RESULT = `(SELECT count(*) FROM p)::int AS patients, (SELECT count(*) FROM u)::int AS users,
  s.id, s.patient_id, s.starts_at, s.ends_at, s.reason, s.created_by_user_id, cu.display_name AS created_by_name, s.created_at`

/**
 * Pauses the service from `startsAt` (default now) until `endsAt` (null:
 * until further notice). A pause overlapping another of the patient's is
 * refused (`overlaps`): end or shorten that one first.
 */
export async function startServicePause(
  db: Queryable,
  q: { actor: DbActor; patientId: string; startsAt?: Date | undefined; endsAt?: Date | null | undefined; reason?: string | null | undefined },
): Promise<CareWriteResult<{ pause: ServicePauseRecord }>> {
  if (!isUuid(q.patientId)) return { ok: false, code: 'not-found' }
  const { rows } = await db.query<{ patients: number; users: number; clashes: number } & Partial<PauseRow>>(
    `WITH ${ACTOR_CTES},
          w AS (SELECT coalesce($6::timestamptz, varde_now()) AS starts_at, $7::timestamptz AS ends_at),
          clash AS (SELECT 1 FROM service_pauses s, w
                     WHERE s.tenant_id = $1 AND s.patient_id = $5::uuid
                       AND s.starts_at < coalesce(w.ends_at, 'infinity') AND coalesce(s.ends_at, 'infinity') > w.starts_at),
          n AS (INSERT INTO service_pauses (tenant_id, patient_id, starts_at, ends_at, reason, created_by_user_id)
                SELECT $1, p.id, w.starts_at, w.ends_at, $8, u.id FROM p, u, w
                 WHERE NOT EXISTS (SELECT 1 FROM clash) AND (w.ends_at IS NULL OR w.ends_at > w.starts_at)
                ${PAUSE_RETURNING}),
          x AS (SELECT n.id::text AS id, n.patient_id FROM n),
          a AS (${audit('pause.start', 'ServicePause')})
     SELECT (SELECT count(*) FROM clash)::int AS clashes, ${PAUSE_RESULT}
       FROM (SELECT 1) one LEFT JOIN n s ON true LEFT JOIN u cu ON cu.id = s.created_by_user_id`,
    withActor(q.actor, [q.patientId, q.startsAt ?? null, q.endsAt ?? null, q.reason ?? null]),
  )
  const r = rows[0]
  if (!r || r.patients === 0) return { ok: false, code: 'not-found' }
  if (r.users === 0) return { ok: false, code: 'forbidden' }
  if (r.clashes > 0) return { ok: false, code: 'overlaps' }
  if (r.id == null) return { ok: false, code: 'invalid-range' }
  return { ok: true, pause: toPause(r as PauseRow) }
}

/**
 * Ends a pause at `endsAt` (default now): an open one, or one planned to end
 * later (shortened). Refused for a pause already over (`already-ended`) or
 * not yet begun at that instant (`not-started`).
 */
export async function endServicePause(
  db: Queryable,
  q: { actor: DbActor; patientId: string; pauseId: string; endsAt?: Date | undefined },
): Promise<CareWriteResult<{ pause: ServicePauseRecord }>> {
  if (!isUuid(q.patientId) || !/^\d{1,18}$/.test(q.pauseId)) return { ok: false, code: 'not-found' }
  const { rows } = await db.query<{ patients: number; users: number; found: number; is_ended: boolean } & Partial<PauseRow>>(
    `WITH ${ACTOR_CTES},
          w AS (SELECT coalesce($7::timestamptz, varde_now()) AS at),
          cur AS (SELECT s.id, s.starts_at, s.ends_at FROM service_pauses s, p
                   WHERE s.tenant_id = $1 AND s.patient_id = p.id AND s.id = $6::bigint),
          n AS (UPDATE service_pauses s SET ends_at = w.at FROM w, u
                 WHERE s.id IN (SELECT id FROM cur) AND s.starts_at < w.at AND (s.ends_at IS NULL OR s.ends_at > w.at)
                RETURNING s.id, s.patient_id, s.starts_at, s.ends_at, s.reason, s.created_by_user_id, s.created_at),
          x AS (SELECT n.id::text AS id, n.patient_id FROM n),
          a AS (${audit('pause.end', 'ServicePause')})
     SELECT (SELECT count(*) FROM cur)::int AS found,
            coalesce((SELECT cur.ends_at IS NOT NULL AND cur.ends_at <= w.at FROM cur, w), false) AS is_ended,
            ${PAUSE_RESULT}
       FROM (SELECT 1) one LEFT JOIN n s ON true LEFT JOIN users cu ON cu.tenant_id = $1 AND cu.id = s.created_by_user_id`,
    withActor(q.actor, [q.patientId, q.pauseId, q.endsAt ?? null]),
  )
  const r = rows[0]
  if (!r || r.patients === 0 || r.found === 0) return { ok: false, code: 'not-found' }
  if (r.users === 0) return { ok: false, code: 'forbidden' }
  if (r.id == null) return { ok: false, code: r.is_ended ? 'already-ended' : 'not-started' }
  return { ok: true, pause: toPause(r as PauseRow) }
}
