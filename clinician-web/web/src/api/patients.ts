import type { VitalType } from '@varde/domain'
import { requestJson } from './http'
import type { Measurement, Patient } from '@varde/api-contract'

/** GET /api/patients */
export async function listPatients(signal?: AbortSignal): Promise<Patient[]> {
  const body = await requestJson<{ items: Patient[] }>(
    'GET',
    '/api/patients',
    signal ? { signal } : {},
  )
  return body.items
}

/** GET /api/patients/:id (404 `not-found` when absent or not visible). */
export function getPatient(id: string, signal?: AbortSignal): Promise<Patient> {
  return requestJson<Patient>(
    'GET',
    `/api/patients/${encodeURIComponent(id)}`,
    signal ? { signal } : {},
  )
}

export interface MeasurementQuery {
  from: Date
  to?: Date
  types?: readonly VitalType[]
}

/** GET /api/patients/:id/measurements?from&to&type… → oldest first. */
export async function listMeasurements(
  id: string,
  query: MeasurementQuery,
  signal?: AbortSignal,
): Promise<Measurement[]> {
  const params = new URLSearchParams({ from: query.from.toISOString() })
  if (query.to) params.set('to', query.to.toISOString())
  for (const type of query.types ?? []) params.append('type', type)
  const body = await requestJson<{ items: Measurement[] }>(
    'GET',
    `/api/patients/${encodeURIComponent(id)}/measurements?${params}`,
    signal ? { signal } : {},
  )
  return body.items
}
