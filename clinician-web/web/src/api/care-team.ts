import type {
  Alert, CareTeam, CareTeamMember, Delivery, DeliveryStatus, ObjectionChannel, PatientObjection, RecipientChange, RecipientSettings,
} from '@varde/api-contract'
import { requestJson } from './http'

export type { CareTeam, CareTeamMember, Delivery, DeliveryStatus, ObjectionChannel, PatientObjection } from '@varde/api-contract'

const base = (patientId: string) => `/api/patients/${encodeURIComponent(patientId)}`

/** GET /api/patients/:id/care-team: members, objections, recipients, deliveries. */
export function getCareTeam(patientId: string, signal?: AbortSignal): Promise<CareTeam> {
  return requestJson<CareTeam>('GET', `${base(patientId)}/care-team`, signal ? { signal } : {})
}

export interface NewMember {
  relation: CareTeamMember['relation']
  userId?: string
  organisation?: { name?: string; number?: string; herId?: string }
  practitioner?: { name?: string; hprNumber?: string }
  metadata?: {
    roleAuthorization?: string
    legalEntity?: { number?: string; name?: string }
    pointOfCare?: string
    department?: string
    healthcareService?: string
    purposeOfUse?: CareTeamMember['metadata']['purposeOfUse']
  }
  recipientId?: string
  reason: string
}

/** POST /api/patients/:id/care-team → the new relationship (409 `already-member`). */
export function addMember(patientId: string, member: NewMember): Promise<CareTeamMember> {
  return requestJson<CareTeamMember>('POST', `${base(patientId)}/care-team`, { body: member })
}

/** POST /api/patients/:id/care-team/:memberId/end: access and forwarding stop at once. */
export function endMember(patientId: string, memberId: string, reason: string): Promise<CareTeamMember> {
  return requestJson<CareTeamMember>('POST', `${base(patientId)}/care-team/${encodeURIComponent(memberId)}/end`, { body: { reason } })
}

export interface NewObjection {
  scope: PatientObjection['scope']
  recipientId?: string
  channel: ObjectionChannel
  objectedOn?: string
  note?: string
}

/** POST /api/patients/:id/objections: the patient's reservasjon. */
export function recordObjection(patientId: string, objection: NewObjection): Promise<PatientObjection> {
  return requestJson<PatientObjection>('POST', `${base(patientId)}/objections`, { body: objection })
}

/** POST /api/patients/:id/objections/:objectionId/withdraw */
export function withdrawObjection(patientId: string, objectionId: string, channel: ObjectionChannel): Promise<PatientObjection> {
  return requestJson<PatientObjection>('POST', `${base(patientId)}/objections/${encodeURIComponent(objectionId)}/withdraw`, { body: { channel } })
}

/** POST /api/alerts/:id/share ("Del med fastlege") → the pending delivery (409 `patient-objects`, `relationship-ended`, `no-gp`). */
export function shareAlert(alertId: string, note: string): Promise<Delivery> {
  return requestJson<Delivery>('POST', `/api/alerts/${encodeURIComponent(alertId)}/share`, { body: note ? { note } : {} })
}

/** GET /api/admin/deliveries (the tenant administrator's). */
export async function listDeliveries(status: DeliveryStatus | null, signal?: AbortSignal): Promise<Delivery[]> {
  const query = status ? `?status=${status}` : ''
  const body = await requestJson<{ items: Delivery[] }>('GET', `/api/admin/deliveries${query}`, signal ? { signal } : {})
  return body.items
}

/** POST /api/admin/deliveries/:id/requeue: a dead letter back in the queue. */
export function requeueDelivery(id: string): Promise<Delivery> {
  return requestJson<Delivery>('POST', `/api/admin/deliveries/${encodeURIComponent(id)}/requeue`)
}

/** GET /api/admin/recipients: the tenant's forwarding recipients with their settings. */
export async function listRecipientSettings(signal?: AbortSignal): Promise<RecipientSettings[]> {
  const body = await requestJson<{ items: RecipientSettings[] }>('GET', '/api/admin/recipients', signal ? { signal } : {})
  return body.items
}

/** PATCH /api/admin/recipients/:id: the name, the endpoint or what it gets. */
export function changeRecipient(id: string, change: RecipientChange): Promise<RecipientSettings> {
  return requestJson<RecipientSettings>('PATCH', `/api/admin/recipients/${encodeURIComponent(id)}`, { body: change })
}

/** GET /api/alerts?patientId=…&status=open&status=acknowledged: what the care team section offers to share. */
export async function listOpenAlertsOf(patientId: string, signal?: AbortSignal): Promise<Alert[]> {
  const body = await requestJson<{ items: Alert[] }>(
    'GET', `/api/alerts?patientId=${encodeURIComponent(patientId)}&status=open&status=acknowledged`, signal ? { signal } : {})
  return body.items
}

/** Who manages a care team and shares alerts: the municipality's staff (the server holds the same rule, access/care-team.ts). */
export const TEAM_MANAGER_ROLES = ['nurse', 'clinician', 'admin'] as const
