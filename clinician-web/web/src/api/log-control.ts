import type { AccessReport, AuditEntry, EmergencyAccessGrant } from '@varde/api-contract'
import { ApiError, reportUnauthorized, requestJson } from './http'

/**
 * POST /api/patients/:id/emergency-access (break the glass, issue 19). A
 * HelseID session sends no password; its 401 `reauthentication-required`
 * (login older than 5 minutes, issue 24) is an answer for the dialog, not
 * an ended session.
 */
export async function openEmergencyAccess(patientId: string, reason: string, password: string | null): Promise<EmergencyAccessGrant> {
  try {
    return await requestJson('POST', `/api/patients/${encodeURIComponent(patientId)}/emergency-access`, {
      body: password === null ? { reason } : { reason, password }, isUnauthorizedExpected: true,
    })
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && error.code !== 'reauthentication-required') reportUnauthorized()
    throw error
  }
}

export interface LogFilter {
  patient?: string
  user?: string
  from?: string
  to?: string
  action?: string
  outcome?: 'allowed' | 'denied'
  show: 'all' | 'flagged' | 'open'
}

/** GET /api/log-control/entries (the privacy officer). */
export async function listLogEntries(filter: LogFilter, signal?: AbortSignal): Promise<AuditEntry[]> {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value)
  const body = await requestJson<{ items: AuditEntry[] }>('GET', `/api/log-control/entries?${params.toString()}`, signal ? { signal } : {})
  return body.items
}

/** POST /api/log-control/entries/:id/review */
export function reviewLogEntry(id: string, note: string): Promise<AuditEntry> {
  return requestJson('POST', `/api/log-control/entries/${encodeURIComponent(id)}/review`, { body: { note } })
}

/** The monthly control report's address: the month's flagged entries (a CSV download). */
export const controlReportUrl = (month: string) => `/api/log-control/report?month=${encodeURIComponent(month)}`

/** The monthly control report's figures (a PDF or CSV download). */
export const controlSummaryUrl = (month: string, format: 'pdf' | 'csv') =>
  `/api/log-control/report/summary?month=${encodeURIComponent(month)}&format=${format}`

/** The export of the whole filtered log (a CSV or JSON-lines download; the server logs it). */
export function logExportUrl(filter: LogFilter, format: 'csv' | 'jsonl'): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value)
  params.set('format', format)
  return `/api/log-control/export?${params.toString()}`
}

/** GET /api/me/access-report (the patient's own). */
export function getAccessReport(signal?: AbortSignal): Promise<AccessReport> {
  return requestJson('GET', '/api/me/access-report', signal ? { signal } : {})
}
