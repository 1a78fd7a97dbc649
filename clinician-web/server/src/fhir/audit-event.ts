import type { AuditEvent, AuditEventAgent, AuditEventEntity, CodeableConcept } from '@medplum/fhirtypes'
import type { LogEntry } from '../access/types.js'
import { HPR_SYSTEM } from './identifiers.js'

const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason'
/** Purpose of use (HL7 v3 ActReason), as the trust framework's metadata names it. */
const PURPOSE: Record<string, { code: string; display: string }> = {
  care: { code: 'TREAT', display: 'treatment' },
  emergency: { code: 'ETREAT', display: 'Emergency Treatment' },
  patient: { code: 'PATRQT', display: 'patient requested' },
  control: { code: 'HOPERAT', display: 'healthcare operations' },
  admin: { code: 'HOPERAT', display: 'healthcare operations' },
  service: { code: 'HOPERAT', display: 'healthcare operations' },
}
/** The access log's actions as FHIR's RESTful interactions and AuditEvent.action (C R U D E). */
const ACTION: Record<string, { code: 'C' | 'R' | 'U' | 'D' | 'E'; interaction?: string }> = {
  read: { code: 'R', interaction: 'read' }, list: { code: 'R', interaction: 'search-type' }, search: { code: 'R', interaction: 'search-type' },
  change: { code: 'U', interaction: 'update' }, create: { code: 'C', interaction: 'create' },
}

/**
 * One access-log entry as a FHIR R4 AuditEvent (platform-contract.md
 * `GET /fhir/AuditEvent`), shaped like HL7 Norway's trust-framework
 * AuditEvent: the patient as entity (role 1 Patient), the purpose of event
 * (TREAT, ETREAT for an emergency access), the user with HPR number,
 * organisation and address, and the care-relationship decision as an entity
 * detail (`care-relationship`: active, emergency, none) beside the emergency
 * access's reason. Valid R4 (test/log-control.test.ts validates each).
 */
export function auditEventResource(e: LogEntry): AuditEvent {
  const action = ACTION[e.action] ?? { code: 'E' as const }
  const isEmergency = e.flags.includes('emergency')
  // a read under an emergency access is ETREAT, whatever the session's default purpose says
  const purpose = isEmergency ? PURPOSE.emergency : PURPOSE[e.purpose ?? '']
  const decision = isEmergency ? 'emergency' : e.flags.includes('no-relationship') ? 'none' : e.purpose === 'care' ? 'active' : 'not-applicable'
  const user: AuditEventAgent = {
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'humanuser', display: 'human user' }] },
    who: e.hpr ? { identifier: { system: HPR_SYSTEM, value: e.hpr }, display: e.actorName ?? e.actor } : { display: e.actorName ?? e.actor },
    altId: e.actor,
    ...(e.actorName ? { name: e.actorName } : {}),
    requestor: true,
    ...(e.actorRole ? { role: [{ text: e.actorRole }] } : {}),
    ...(purpose ? { purposeOfUse: [concept(purpose)] } : {}),
    ...(e.ip ? { network: { address: e.ip, type: '2' as const } } : {}),
  }
  const agents: AuditEventAgent[] = [user]
  if (e.organisation) agents.push({ type: { text: 'organisation' }, who: { display: e.organisation }, requestor: false })
  const entity: AuditEventEntity[] = []
  if (e.patientId) {
    entity.push({
      what: { reference: `Patient/${e.patientId}`, ...(e.patientName ? { display: e.patientName } : {}) },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    })
  }
  entity.push({
    what: { display: e.resourceId ? `${e.resourceType}/${e.resourceId}` : e.resourceType },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    name: e.resourceType,
    detail: [
      { type: 'care-relationship', valueString: decision },
      ...(e.reason ? [{ type: 'emergency-reason', valueString: e.reason }] : []),
    ],
  })
  return {
    resourceType: 'AuditEvent',
    id: e.id,
    // an access-log entry is never changed (insert-only, migration 0020)
    meta: { lastUpdated: e.at.toISOString() },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    ...(action.interaction ? { subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: action.interaction }] } : {}),
    action: action.code,
    recorded: e.at.toISOString(),
    outcome: e.outcome === 'allowed' ? '0' : '4',
    outcomeDesc: `${e.action} ${e.outcome}`,
    ...(purpose ? { purposeOfEvent: [concept(purpose)] } : {}),
    agent: agents,
    source: {
      observer: { display: 'Varde' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity,
  }
}

const concept = (p: { code: string; display: string }): CodeableConcept => ({ coding: [{ system: ACT_REASON, code: p.code, display: p.display }] })
