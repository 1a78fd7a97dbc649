import type { Queryable } from './pool.js'
import { isUuid, type Condition } from './patients.js'

/**
 * What Node-RED keeps per tenant (issue 23, migration 0021,
 * docs/decisions/0020): its flows, credentials (encrypted by Node-RED with
 * the configured key before they get here), settings and sessions.
 */
export type FlowDocumentName = 'flows' | 'credentials' | 'settings' | 'sessions'

export async function loadFlowDocument(db: Queryable, tenantId: string, name: FlowDocumentName): Promise<unknown> {
  const { rows } = await db.query<{ body: unknown }>('SELECT body FROM flow_documents WHERE tenant_id = $1 AND name = $2', [tenantId, name])
  return rows[0]?.body ?? null
}

/** Replaces the document in one statement: a deploy is stored whole or not at all. */
export async function saveFlowDocument(db: Queryable, tenantId: string, name: FlowDocumentName, body: unknown, updatedBy: string): Promise<void> {
  await db.query(
    `INSERT INTO flow_documents (tenant_id, name, body, updated_by) VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT (tenant_id, name) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [tenantId, name, JSON.stringify(body), updatedBy.slice(0, 200)],
  )
}

/** A patient as a flow of its tenant sees one: no national id, no address (data minimisation). */
export interface FlowPatient {
  id: string
  displayName: string
  conditions: Condition[]
  serviceState: 'active' | 'paused' | 'ended'
}

/** A monitored (not ended) patient of the tenant, or null. */
export async function findTenantPatient(db: Queryable, tenantId: string, patientId: string): Promise<FlowPatient | null> {
  if (!isUuid(patientId)) return null
  const { rows } = await db.query<{ id: string; display_name: string; conditions: Condition[]; service_state: FlowPatient['serviceState'] }>(
    `SELECT id, display_name, conditions, service_state FROM patients WHERE tenant_id = $1 AND id = $2 AND service_state <> 'ended'`,
    [tenantId, patientId],
  )
  const r = rows[0]
  return r ? { id: r.id, displayName: r.display_name, conditions: r.conditions, serviceState: r.service_state } : null
}

/** Which of these ids are monitored (not ended) patients of the tenant. */
export async function findTenantPatientIds(db: Queryable, tenantId: string, patientIds: readonly string[]): Promise<Set<string>> {
  const ids = patientIds.filter(isUuid)
  if (ids.length === 0) return new Set()
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM patients WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND service_state <> 'ended'`, [tenantId, ids],
  )
  return new Set(rows.map((r) => r.id))
}

export interface FlowReading {
  id: string
  patientId: string
  type: string
  value: number
  unit: string
  measuredAt: string
  conditions: Condition[]
}

export interface FlowReadingsQuery {
  tenantId: string
  /** The readings a stored-readings event named, or … */
  ids?: readonly string[]
  /** … one patient's readings in a window. */
  patientId?: string
  types?: readonly string[]
  /** The patient has this condition. */
  condition?: Condition
  from?: Date
  limit: number
}

/** Stored readings of monitored patients of one tenant, oldest first; another tenant's ids find nothing. */
export async function listTenantReadings(db: Queryable, q: FlowReadingsQuery): Promise<FlowReading[]> {
  const ids = q.ids?.filter(isUuid)
  if (q.ids && (!ids || ids.length === 0)) return []
  if (q.patientId !== undefined && !isUuid(q.patientId)) return []
  const { rows } = await db.query<{
    id: string; patient_id: string; type: string; value: number; unit: string; measured_at: Date; conditions: Condition[]
  }>(
    `SELECT m.id, m.patient_id, m.type, m.value, m.unit, m.measured_at, p.conditions
       FROM measurements m JOIN patients p ON p.id = m.patient_id AND p.tenant_id = m.tenant_id
      WHERE m.tenant_id = $1 AND p.service_state <> 'ended'
        AND ($2::uuid[] IS NULL OR m.id = ANY($2))
        AND ($3::uuid IS NULL OR m.patient_id = $3)
        AND ($4::text[] IS NULL OR m.type = ANY($4))
        AND ($5::text IS NULL OR $5 = ANY(p.conditions))
        AND ($6::timestamptz IS NULL OR m.measured_at >= $6)
      ORDER BY m.measured_at, m.id
      LIMIT $7`,
    [q.tenantId, ids ?? null, q.patientId ?? null, q.types?.length ? q.types : null, q.condition ?? null, q.from ?? null, q.limit],
  )
  return rows.map((r) => ({
    id: r.id, patientId: r.patient_id, type: r.type, value: r.value, unit: r.unit, measuredAt: r.measured_at.toISOString(), conditions: r.conditions,
  }))
}

/**
 * Puts an alert in the forwarding outbox for the patient's recipients that
 * may receive it now (`may_forward_to`: a relationship, no objection), as the
 * red-alert trigger of migration 0013 does. Returns the recipients enqueued.
 */
export async function enqueueAlertForwarding(db: Queryable, tenantId: string, alertId: string, recipientId: string | null): Promise<string[]> {
  if (!isUuid(alertId) || (recipientId !== null && !isUuid(recipientId))) return []
  const { rows } = await db.query<{ recipient_id: string }>(
    `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, alert_id)
     SELECT DISTINCT a.tenant_id, c.recipient_id, a.patient_id, 'alert', a.id
       FROM alerts a JOIN care_team_members c ON c.patient_id = a.patient_id AND c.tenant_id = a.tenant_id
      WHERE a.tenant_id = $1 AND a.id = $2 AND c.recipient_id IS NOT NULL
        AND ($3::uuid IS NULL OR c.recipient_id = $3) AND may_forward_to(a.patient_id, c.recipient_id)
     ON CONFLICT DO NOTHING
     RETURNING recipient_id`,
    [tenantId, alertId, recipientId],
  )
  return rows.map((r) => r.recipient_id)
}

/** The patient of an alert of the tenant, or null. */
export async function findAlertPatient(db: Queryable, tenantId: string, alertId: string): Promise<string | null> {
  if (!isUuid(alertId)) return null
  const { rows } = await db.query<{ patient_id: string }>('SELECT patient_id FROM alerts WHERE tenant_id = $1 AND id = $2', [tenantId, alertId])
  return rows[0]?.patient_id ?? null
}
