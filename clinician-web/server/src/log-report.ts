import type { LogEntry } from './access/types.js'

const COLUMNS = ['id', 'time', 'user', 'name', 'role', 'hpr', 'organisation', 'patient', 'action', 'resource', 'outcome', 'purpose', 'reason', 'flags', 'reviewed', 'reviewed by', 'note'] as const

/** A CSV field (RFC 4180), with a formula's first character neutralised (a spreadsheet would run `=…`). */
function field(value: string | null | undefined): string {
  let s = value ?? ''
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The monthly control report (issue 19) as CSV: one line per flagged entry, with its review. */
export function controlReportCsv(rows: LogEntry[]): string {
  const lines = rows.map((e) => [
    e.id, e.at.toISOString(), e.actor, e.actorName, e.actorRole, e.hpr, e.organisation, e.patientName ?? e.patientId, e.action, e.resourceType,
    e.outcome, e.purpose, e.reason, e.flags.join(' '), e.review?.reviewedAt.toISOString(), e.review?.reviewedBy, e.review?.note,
  ].map(field).join(','))
  return `${[COLUMNS.join(','), ...lines].join('\r\n')}\r\n`
}
