import type { ForwardedAlert } from '@varde/db'
import type { AlertShare, SenderOrganisation } from '../transport.js'
import { ALERT_ID_SYSTEM, ALERT_SHARE_ID_SYSTEM, createOnce, patientReference, RULE_SYSTEM, type FhirResource } from './identifiers.js'

const SEVERITY_NB = { red: 'Rødt varsel', yellow: 'Gult varsel' } as const

/**
 * An alert as a `batch` Bundle of a `Flag` (the standing warning on the
 * patient) and a `Communication` (the message to the GP: severity, rule,
 * values, and a link back to the alert in Varde), each created once by its
 * identifier (the alert's id), so a re-delivery finds the first (issue 18).
 */
export function alertBundle(alert: ForwardedAlert, from: SenderOrganisation, share?: AlertShare): FhirResource {
  const identifier = { system: ALERT_ID_SYSTEM, value: alert.id }
  // a nurse's share is a message of its own (with its note), beside the alert's own Communication
  const messageId = share ? { system: ALERT_SHARE_ID_SYSTEM, value: share.id } : identifier
  const subject = patientReference(alert.patient)
  const link = `${from.publicUrl}/alerts?alert=${encodeURIComponent(alert.id)}`
  const values = measuresOf(alert.lastFinding)
  const rule = { coding: [{ system: RULE_SYSTEM, code: alert.ruleId, display: `${alert.ruleKind} ${alert.ruleVersion}` }], text: alert.ruleId }
  const flag: FhirResource = {
    resourceType: 'Flag',
    identifier: [identifier],
    status: alert.status === 'resolved' ? 'inactive' : 'active',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical', display: 'Clinical' }] }],
    code: { ...rule, text: `${SEVERITY_NB[alert.severity]}: ${alert.summaryNb}` },
    subject,
    period: { start: alert.openedAt.toISOString() },
  }
  const text = [
    share ? `Delt av ${share.byName}${share.note ? `: ${share.note}` : ''}` : '',
    `${SEVERITY_NB[alert.severity]} for ${alert.patient.displayName}: ${alert.summaryNb}`,
    values.length ? `Verdier: ${values.join(', ')}` : '',
    `Regel: ${alert.ruleId} (${alert.ruleVersion})`,
    `Se varselet i Varde: ${link}`,
  ].filter(Boolean).join('\n')
  const communication: FhirResource = {
    resourceType: 'Communication',
    identifier: [messageId],
    status: 'completed',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: 'alert', display: 'Alert' }] }],
    // red: the GP should act at once (FHIR request-priority)
    priority: alert.severity === 'red' ? 'urgent' : 'asap',
    subject,
    about: [{ type: 'Flag', identifier }],
    sent: alert.lastTriggeredAt.toISOString(),
    reasonCode: [rule],
    payload: [{ contentString: text }, { contentAttachment: { contentType: 'text/html', url: link, title: 'Varselet i Varde' } }],
  }
  return { resourceType: 'Bundle', type: 'batch', entry: [createOnce(flag, identifier), createOnce(communication, messageId)] }
}

/** The finding's measured values as `type value` (the rule's own `measures`), no more than the GP needs. */
function measuresOf(finding: Record<string, unknown>): string[] {
  const measures = finding['measures']
  if (!measures || typeof measures !== 'object') return []
  return Object.entries(measures as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'number' && Number.isFinite(v))
    .map(([k, v]) => `${k} ${String(v)}`)
}
