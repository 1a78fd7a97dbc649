import type { CareTeam, CareTeamParticipant, Extension, Organization, Practitioner, Reference } from '@medplum/fhirtypes'
import type { CareTeamMember } from '../access/types.js'

/** Helsepersonellregisteret (HPR number), Enhetsregisteret (organisation number) and the Address Register (HER-id). */
export const HPR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.4'
export const ORGANISATION_NUMBER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101'
export const HER_ID_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.2'
export const CARE_RELATION_SYSTEM = 'urn:varde:care-relation'
/** HL7 v3 ActReason, where PurposeOfUse's TREAT, ETREAT and COC live. */
export const ACT_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActReason'
/**
 * The trust framework's relationship metadata (felles tillitsrammeverk) on
 * each participant, as one complex extension: no published profile carries
 * all of it on a CareTeam, so it is ours (docs/decisions/0023).
 */
export const CARE_RELATIONSHIP_EXTENSION = 'urn:varde:fhir:extension:care-relationship'

/** The roles of the users served as Practitioners (packages/db fhir-directory.ts). */
const PRACTITIONER_ROLES = ['nurse', 'clinician', 'gp']

const RELATION_DISPLAY: Record<CareTeamMember['relation'], string> = {
  'home-care': 'Hjemmesykepleie', 'response-centre': 'Responssenter', gp: 'Fastlege', hospital: 'Sykehus',
}
const PURPOSE_DISPLAY = { TREAT: 'treatment', ETREAT: 'emergency treatment', COC: 'coordination of care' } as const

/**
 * A patient's care team as one FHIR R4 `CareTeam` (platform-contract.md
 * "FHIR R4"), its id the patient's: each relationship a participant, active
 * and ended ones (with its period), the member as a Practitioner (by HPR
 * number) or an Organization (by organisation number or HER-id), with a
 * display rather than a reference Varde could not answer.
 */
export function careTeamResource(patientId: string, members: CareTeamMember[]): CareTeam {
  // the last decision on the team: a relationship decided, or one that ended (its period's end, once past)
  const changes = members.flatMap((m) => [m.decision.at.getTime(), ...(m.period.end && m.period.end.getTime() <= Date.now() ? [m.period.end.getTime()] : [])])
  return {
    resourceType: 'CareTeam',
    id: patientId,
    ...(changes.length ? { meta: { lastUpdated: new Date(Math.max(...changes)).toISOString() } } : {}),
    status: members.some((m) => m.isActive) ? 'active' : 'inactive',
    name: 'Behandlingsteam',
    subject: { reference: `Patient/${patientId}` },
    participant: members.map(participantOf),
  }
}

function participantOf(m: CareTeamMember): CareTeamParticipant {
  const organisation = organisationOf(m)
  return {
    id: m.id,
    extension: [relationshipExtension(m)],
    role: [{ coding: [{ system: CARE_RELATION_SYSTEM, code: m.relation, display: RELATION_DISPLAY[m.relation] }], text: RELATION_DISPLAY[m.relation] }],
    member: practitionerOf(m) ?? organisation ?? { display: m.user?.displayName ?? 'ukjent' },
    ...(organisation && practitionerOf(m) ? { onBehalfOf: organisation } : {}),
    period: { start: m.period.start.toISOString(), ...(m.period.end ? { end: m.period.end.toISOString() } : {}) },
  }
}

function practitionerOf(m: CareTeamMember): Reference<Practitioner> | undefined {
  const name = m.practitioner?.name ?? m.user?.displayName
  const hpr = m.practitioner?.hprNumber ?? m.user?.hprNumber
  if (!name && !hpr) return undefined
  // a user of the tenant who gives care is a Practitioner Varde serves (directory-routes.ts): a reference that can be followed
  const isServed = m.user !== null && PRACTITIONER_ROLES.includes(m.user.role)
  return {
    ...(isServed ? { reference: `Practitioner/${m.user!.id}` } : {}),
    type: 'Practitioner', ...(hpr ? { identifier: { system: HPR_SYSTEM, value: hpr } } : {}), ...(name ? { display: name } : {}),
  }
}

function organisationOf(m: CareTeamMember): Reference<Organization> | undefined {
  const o = m.organisation
  if (!o) return undefined
  const identifier = o.number ? { system: ORGANISATION_NUMBER_SYSTEM, value: o.number } : o.herId ? { system: HER_ID_SYSTEM, value: o.herId } : undefined
  return { type: 'Organization', ...(identifier ? { identifier } : {}), ...(o.name ? { display: o.name } : {}) }
}

/** The relationship's metadata and the decision it rests on; absent values left out. */
function relationshipExtension(m: CareTeamMember): Extension {
  const md = m.metadata
  const parts: (Extension | null)[] = [
    { url: 'purposeOfUse', valueCoding: { system: ACT_REASON_SYSTEM, code: md.purposeOfUse, display: PURPOSE_DISPLAY[md.purposeOfUse] } },
    md.roleAuthorization ? { url: 'roleAuthorization', valueString: md.roleAuthorization } : null,
    md.legalEntity.number || md.legalEntity.name
      ? { url: 'legalEntity', valueReference: { type: 'Organization', ...(md.legalEntity.number ? { identifier: { system: ORGANISATION_NUMBER_SYSTEM, value: md.legalEntity.number } } : {}), ...(md.legalEntity.name ? { display: md.legalEntity.name } : {}) } }
      : null,
    md.pointOfCare ? { url: 'pointOfCare', valueString: md.pointOfCare } : null,
    md.department ? { url: 'department', valueString: md.department } : null,
    md.healthcareService ? { url: 'healthcareService', valueString: md.healthcareService } : null,
    m.organisation?.herId ? { url: 'herId', valueIdentifier: { system: HER_ID_SYSTEM, value: m.organisation.herId } } : null,
    { url: 'decidedAt', valueDateTime: m.decision.at.toISOString() },
    m.decision.byName ? { url: 'decidedBy', valueString: m.decision.byName } : null,
    m.decision.reason ? { url: 'decisionReason', valueString: m.decision.reason } : null,
    m.ended?.reason ? { url: 'endReason', valueString: m.ended.reason } : null,
    m.recipient ? { url: 'forwardsTo', valueString: m.recipient.name } : null,
  ]
  return { url: CARE_RELATIONSHIP_EXTENSION, extension: parts.filter((p): p is Extension => p !== null) }
}
