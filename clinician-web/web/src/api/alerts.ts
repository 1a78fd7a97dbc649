import { requestJson } from './http'
import type { Alert, AlertStatus, ResolveOutcome } from '@varde/api-contract'

/** GET /api/alerts?status=…&status=… */
export async function listAlerts(
  statuses: readonly AlertStatus[],
  signal?: AbortSignal,
): Promise<Alert[]> {
  const params = new URLSearchParams()
  for (const status of statuses) params.append('status', status)
  const body = await requestJson<{ items: Alert[] }>(
    'GET',
    `/api/alerts?${params}`,
    signal ? { signal } : {},
  )
  return body.items
}

/** POST /api/alerts/:id/acknowledge → the changed alert. */
export function acknowledgeAlert(id: string): Promise<Alert> {
  // an empty JSON object rather than no body, so a route with a body schema accepts it too
  return requestJson<Alert>('POST', `/api/alerts/${encodeURIComponent(id)}/acknowledge`, {
    body: {},
  })
}

/** POST /api/alerts/:id/resolve { outcome, note? } → the changed alert. */
export function resolveAlert(id: string, outcome: ResolveOutcome, note?: string): Promise<Alert> {
  const trimmed = note?.trim()
  return requestJson<Alert>('POST', `/api/alerts/${encodeURIComponent(id)}/resolve`, {
    body: trimmed ? { outcome, note: trimmed } : { outcome },
  })
}

/** GET /api/alerts?patientId&status=open&status=acknowledged&status=resolved: one patient's alerts, for the chart's markers. */
export async function listAlertsOfPatient(patientId: string, signal?: AbortSignal): Promise<Alert[]> {
  const params = new URLSearchParams({ patientId, limit: '1000' })
  for (const status of ['open', 'acknowledged', 'resolved']) params.append('status', status)
  const body = await requestJson<{ items: Alert[] }>(
    'GET',
    `/api/alerts?${params}`,
    signal ? { signal } : {},
  )
  return body.items
}
