import type { Trend } from '@varde/api-contract'
import { requestJson } from './http'

/** GET /api/patients/:id/trends?vital&from&to → at most ~1,000 points, raw or bucketed with min/max. */
export function getTrend(
  patientId: string,
  vital: string,
  range: { fromMs: number; toMs: number },
  signal?: AbortSignal,
): Promise<Trend> {
  const params = new URLSearchParams({
    vital,
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
  })
  return requestJson<Trend>(
    'GET',
    `/api/patients/${encodeURIComponent(patientId)}/trends?${params}`,
    signal ? { signal } : {},
  )
}
