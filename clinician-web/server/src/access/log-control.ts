import {
  findLogEntry, findOwnPatient, listLogEntries, listPatientAccesses, reviewLogEntry, summariseLogPeriod, walkLogEntries,
  type LogEntry, type LogPeriodSummary, type LogQuery,
} from '@varde/db'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/**
 * Log control (loggkontroll, issue 19): the tenant's access log for its
 * privacy officer (role `privacy-officer`) and, for a patient, the accesses
 * to their own data (innsyn i logg). Reading the log is itself logged: one
 * entry per read (resource `AuditEvent`), naming the patient when the read
 * was about one; a refusal is logged too. A review is written with its own
 * entry by the statement that stores it.
 */
export function logControlAccess({ db, actor, audit, where }: AccessContext) {
  const requireOfficer = async (action: string) => {
    if (hasRole(actor, ['privacy-officer'])) return
    await audit.one({ action, resourceType: 'AuditEvent', resourceId: null, outcome: 'denied', details: where() })
    throw new ERRORS.privacyOfficerRequired()
  }
  return {
    async entries(q: Omit<LogQuery, 'tenantId'>): Promise<LogEntry[]> {
      await requireOfficer('log.search')
      const rows = await listLogEntries(db, { ...q, tenantId: actor.tenantId })
      // the patient searched for is named only when the tenant has them (the rows are the tenant's): never another tenant's id
      await audit.one({ action: 'log.search', resourceType: 'AuditEvent', resourceId: null, patientId: q.patientId ? rows[0]?.patientId ?? null : null, outcome: 'allowed',
        details: { ...q, shown: rows.length } })
      return rows
    },

    async entry(id: string): Promise<LogEntry> {
      await requireOfficer('log.read')
      const row = await findLogEntry(db, actor.tenantId, id)
      await audit.one({ action: 'log.read', resourceType: 'AuditEvent', resourceId: id, patientId: row?.patientId ?? null, outcome: row ? 'allowed' : 'denied' })
      if (!row) throw new ERRORS.auditEntryNotFound()
      return row
    },

    async review(id: string, note: string): Promise<LogEntry> {
      await requireOfficer('review')
      const done = await reviewLogEntry(db, { tenantId: actor.tenantId, auditId: id, userId: userIdOf(actor), username: actor.username, note })
      if (!done) {
        await audit.one({ action: 'review', resourceType: 'AuditEvent', resourceId: id, outcome: 'denied' })
        throw new ERRORS.auditEntryNotFound()
      }
      return (await findLogEntry(db, actor.tenantId, id))!
    },

    /** The monthly control report's entries: every flagged entry of the month, oldest first. */
    async monthReport(month: string): Promise<LogEntry[]> {
      await requireOfficer('log.report')
      const { from, to } = monthOf(month)
      const rows = (await listLogEntries(db, { tenantId: actor.tenantId, from, to, show: 'flagged', limit: 100_000 })).reverse()
      await audit.one({ action: 'log.report', resourceType: 'AuditEvent', resourceId: month, outcome: 'allowed', details: { month, shown: rows.length } })
      return rows
    },

    /**
     * The whole filtered log for an export (issue 19), walked a page at a
     * time as the caller reads it. The export is logged before the first
     * entry goes out (its filters and format), so an export cut short is
     * logged too.
     */
    async exportEntries(q: Omit<LogQuery, 'tenantId' | 'limit' | 'id' | 'beforeId'>, format: 'csv' | 'jsonl'): Promise<AsyncIterable<LogEntry>> {
      await requireOfficer('log.export')
      await audit.one({ action: 'log.export', resourceType: 'AuditEvent', resourceId: null, outcome: 'allowed', details: { ...q, format } })
      return walkLogEntries(db, { ...q, tenantId: actor.tenantId })
    },

    /**
     * The monthly control report's figures (issue 19): counts by action and
     * outcome, emergency accesses, denied attempts, the busiest users, and
     * each flag raised with how many are reviewed. Logged as a report.
     */
    async monthSummary(month: string, format: 'pdf' | 'csv'): Promise<{ month: string; tenantName: string; summary: LogPeriodSummary; flags: { flag: string; raised: number; reviewed: number }[] }> {
      await requireOfficer('log.report')
      const { from, to } = monthOf(month)
      const summary = await summariseLogPeriod(db, { tenantId: actor.tenantId, from, to })
      const flagged = await listLogEntries(db, { tenantId: actor.tenantId, from, to, show: 'flagged', limit: 100_000 })
      const { rows: [tenant] } = await db.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [actor.tenantId])
      const flags = new Map<string, { flag: string; raised: number; reviewed: number }>()
      for (const e of flagged) {
        for (const flag of e.flags) {
          const f = flags.get(flag) ?? { flag, raised: 0, reviewed: 0 }
          f.raised++
          if (e.review) f.reviewed++
          flags.set(flag, f)
        }
      }
      await audit.one({ action: 'log.report', resourceType: 'AuditEvent', resourceId: month, outcome: 'allowed', details: { month, format, summary: true } })
      return { month, tenantName: tenant?.name ?? actor.tenantId, summary, flags: [...flags.values()] }
    },

    /**
     * The accesses to one patient's data, for the patient themself (their own
     * only: any other id is answered as unknown) or for the privacy officer.
     */
    async patientReport(patientId: string | 'self', opts: { from?: Date; to?: Date; id?: string; limit: number }): Promise<{ patient: { id: string; displayName: string }; items: LogEntry[] }> {
      const own = actor.userId && hasRole(actor, ['patient']) ? await findOwnPatient(db, actor.tenantId, actor.userId) : null
      let patient = own && (patientId === 'self' || patientId === own.id) ? own : null
      if (!patient && hasRole(actor, ['privacy-officer']) && patientId !== 'self') {
        const { rows } = await db.query<{ id: string; display_name: string }>(
          'SELECT id, display_name FROM patients WHERE tenant_id = $1 AND id::text = $2', [actor.tenantId, patientId])
        patient = rows[0] ? { id: rows[0].id, displayName: rows[0].display_name } : null
      }
      await audit.one({ action: 'access-report', resourceType: 'AuditEvent', resourceId: patient?.id ?? (patientId === 'self' ? null : patientId),
        patientId: patient?.id ?? null, outcome: patient ? 'allowed' : 'denied' })
      if (!patient) throw new ERRORS.patientNotFound()
      const items = await listPatientAccesses(db, { tenantId: actor.tenantId, patientId: patient.id, selfUserId: own ? actor.userId : null, ...opts })
      return { patient, items }
    },

    /**
     * One entry as FHIR reads it (`GET /fhir/AuditEvent/{id}`): the privacy
     * officer reads any of the tenant's; a patient the ones in their own
     * report; anyone else, or an entry that is not there, is not found.
     */
    async auditEvent(id: string): Promise<LogEntry> {
      let row: LogEntry | null = null
      if (hasRole(actor, ['privacy-officer'])) row = await findLogEntry(db, actor.tenantId, id)
      else if (actor.userId && hasRole(actor, ['patient']) && /^[1-9]\d{0,17}$/.test(id)) {
        const own = await findOwnPatient(db, actor.tenantId, actor.userId)
        row = own ? (await listPatientAccesses(db, { tenantId: actor.tenantId, patientId: own.id, selfUserId: actor.userId, id, limit: 1 }))[0] ?? null : null
      }
      await audit.one({ action: 'log.read', resourceType: 'AuditEvent', resourceId: id, patientId: row?.patientId ?? null, outcome: row ? 'allowed' : 'denied' })
      if (!row) throw new ERRORS.auditEntryNotFound()
      return row
    },
  }
}

/** A calendar month (YYYY-MM) as [from, to) in UTC, as the CSV report has always counted it. */
function monthOf(month: string): { from: Date; to: Date } {
  const from = new Date(`${month}-01T00:00:00Z`)
  return { from, to: new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1)) }
}
