import type { EnrolBody, Pause, ServiceCourse, ThresholdProposals } from '@varde/api-contract'
import { requestJson } from './http'

/** The patient's course of service (issue 17): enrolment, gateway, pauses, self-care plan, end. */

/** POST /api/admin/patients → the new patient's id. */
export function enrolPatient(body: EnrolBody): Promise<{ id: string }> {
  return requestJson('POST', '/api/admin/patients', { body })
}

/** POST /api/admin/gateways: the secret is in this answer only. */
export function provisionGateway(patientId: string): Promise<{ id: string; secret: string }> {
  return requestJson('POST', '/api/admin/gateways', { body: { patientId } })
}

const base = (patientId: string) => `/api/patients/${encodeURIComponent(patientId)}`

export function getServiceCourse(patientId: string, signal?: AbortSignal): Promise<ServiceCourse> {
  return requestJson('GET', `${base(patientId)}/service`, signal ? { signal } : {})
}

export async function listPauses(patientId: string, signal?: AbortSignal): Promise<Pause[]> {
  return (await requestJson<{ items: Pause[] }>('GET', `${base(patientId)}/pauses`, signal ? { signal } : {})).items
}

export function startPause(patientId: string, pause: { endsAt?: string; reason?: string }): Promise<Pause> {
  return requestJson('POST', `${base(patientId)}/pauses`, { body: pause })
}

export function endPause(patientId: string, pauseId: string): Promise<Pause> {
  return requestJson('POST', `${base(patientId)}/pauses/${encodeURIComponent(pauseId)}/end`, { body: {} })
}

export function setSelfCarePlan(patientId: string, text: string): Promise<void> {
  return requestJson('PUT', `${base(patientId)}/self-care-plan`, { body: { text } })
}

export function endService(patientId: string, reason: string): Promise<{ revokedGatewayIds: string[]; resolvedAlerts: number }> {
  return requestJson('POST', `${base(patientId)}/service/end`, { body: { reason } })
}

export function getThresholdProposals(patientId: string, signal?: AbortSignal): Promise<ThresholdProposals> {
  return requestJson('GET', `${base(patientId)}/threshold-proposals`, signal ? { signal } : {})
}
