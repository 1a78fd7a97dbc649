import type { Queryable } from './pool.js'

/** One entry of the access log (tilgangslogg): who read or tried to read what. */
export interface AccessEntry {
  tenantId: string
  actorUserId: string | null
  /** Human-reviewable actor, e.g. the username or a service name. */
  actor: string
  action: string
  resourceType: string
  resourceId?: string | null
  patientId?: string | null
  outcome: 'allowed' | 'denied'
  details?: Record<string, unknown>
  /** Who, why and from where (migration 0020); a missing one is taken from the transaction's app.audit_context. */
  context?: AuditContext
}

/** The who/why/where columns of an entry (migration 0020). */
export interface AuditContext {
  role?: string | null
  organisation?: string | null
  hpr?: string | null
  onBehalfOf?: string | null
  /** The purpose of use: 'care' (a care relationship), 'emergency' (break the glass), 'patient' (own data), 'control' (log control), 'admin', 'service'. */
  purpose?: string | null
  ip?: string | null
  client?: string | null
}

export async function recordAccess(db: Queryable, e: AccessEntry): Promise<void> {
  await recordAccesses(db, [e])
}

/** Records several entries in one statement (e.g. a list that shows many patients). */
export async function recordAccesses(db: Queryable, entries: AccessEntry[]): Promise<void> {
  if (entries.length === 0) return
  await db.query(
    `INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details,
                            actor_role, organisation, hpr, on_behalf_of, purpose, ip, client)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[], $9::jsonb[],
                          $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])`,
    [
      entries.map((e) => e.tenantId), entries.map((e) => e.actorUserId), entries.map((e) => e.actor),
      entries.map((e) => e.action), entries.map((e) => e.resourceType), entries.map((e) => e.resourceId ?? null),
      entries.map((e) => e.patientId ?? null), entries.map((e) => e.outcome),
      entries.map((e) => JSON.stringify(e.details ?? {})),
      ...(['role', 'organisation', 'hpr', 'onBehalfOf', 'purpose', 'ip', 'client'] as const).map((k) => entries.map((e) => e.context?.[k] ?? null)),
    ],
  )
}

export interface AuditRow {
  at: Date
  actor: string
  action: string
  resourceType: string
  resourceId: string | null
  patientId: string | null
  outcome: string
}

export async function listAccessLog(db: Queryable, q: { tenantId: string; patientId?: string; limit: number }): Promise<AuditRow[]> {
  const { rows } = await db.query<{
    at: Date; actor: string; action: string; resource_type: string; resource_id: string | null; patient_id: string | null; outcome: string
  }>(
    `SELECT at, actor, action, resource_type, resource_id, patient_id, outcome FROM audit_log
      WHERE tenant_id = $1 AND ($2::uuid IS NULL OR patient_id = $2) ORDER BY id DESC LIMIT $3`,
    [q.tenantId, q.patientId ?? null, q.limit],
  )
  return rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, resourceType: r.resource_type,
    resourceId: r.resource_id, patientId: r.patient_id, outcome: r.outcome }))
}
