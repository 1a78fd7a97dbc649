import type { HandoverNote, ShiftAssignment, ShiftView } from '@varde/api-contract'
import { requestJson } from './http'

export type { HandoverNote, ShiftAssignment, ShiftView } from '@varde/api-contract'

const base = (patientId: string) => `/api/patients/${encodeURIComponent(patientId)}`

/** GET /api/shift: "since your last shift" (docs/decisions/0034); `since` omitted: from the start of the shift before this one. */
export function getShift(since: string | null, signal?: AbortSignal): Promise<ShiftView> {
  const query = since ? `?since=${encodeURIComponent(since)}` : ''
  return requestJson<ShiftView>('GET', `/api/shift${query}`, signal ? { signal } : {})
}

/** GET /api/patients/:id/handover: the notes, newest first. */
export async function listHandovers(patientId: string, signal?: AbortSignal): Promise<HandoverNote[]> {
  return (await requestJson<{ items: HandoverNote[] }>('GET', `${base(patientId)}/handover`, signal ? { signal } : {})).items
}

/** POST /api/patients/:id/handover: a new note (the earlier ones stay). */
export function writeHandover(patientId: string, text: string): Promise<HandoverNote> {
  return requestJson<HandoverNote>('POST', `${base(patientId)}/handover`, { body: { text } })
}

/** PUT /api/patients/:id/shift-assignment: a nurse on the patient for the shift in progress; null takes the patient off it. */
export async function assignShift(patientId: string, userId: string | null): Promise<ShiftAssignment | null> {
  return (await requestJson<{ assignment: ShiftAssignment | null }>('PUT', `${base(patientId)}/shift-assignment`, { body: { userId } })).assignment
}
