import type { Queryable } from './pool.js'

export interface AuditPurge {
  tenantId: string
  /** The last entry deleted: the chain after the cut starts at throughSeq + 1 (audit_anchors). */
  throughSeq: number
  deleted: number
}

/**
 * Deletes each tenant's access-log entries older than its retention
 * (tenants.audit_retention_years, default 10) through the one narrow path the
 * append-only trigger lets through (migration 0024, docs/decisions/0025): a
 * prefix of the chain, anchored in the same transaction so `audit verify`
 * starts after the cut. The cut is the database's own (its wall clock and the
 * tenant's setting), so no caller can ask for a younger one.
 */
export async function purgeExpiredAuditEntries(db: Queryable): Promise<AuditPurge[]> {
  const { rows } = await db.query<{ tenant_id: string; through_seq: string; deleted: string }>(
    'SELECT tenant_id, through_seq::text, deleted::text FROM audit_purge_expired()')
  return rows.map((r) => ({ tenantId: r.tenant_id, throughSeq: Number(r.through_seq), deleted: Number(r.deleted) }))
}
