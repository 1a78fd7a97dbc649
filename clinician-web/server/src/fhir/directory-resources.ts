import type { Organization, Practitioner } from '@medplum/fhirtypes'
import type { OrganizationRecord, PractitionerRecord } from '../access/types.js'
import { HPR_SYSTEM, ORGANISATION_NUMBER_SYSTEM } from './care-team-resource.js'

/** SOSI kommunenummer, as HL7 Norway's no-basis identifiers name it. */
export const MUNICIPALITY_NUMBER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.1.3402'

const ROLE_DISPLAY: Record<string, string> = { nurse: 'Sykepleier', clinician: 'Lege', gp: 'Fastlege' }

/**
 * A user who gives care as an R4 Practitioner (issue 22): the HPR number
 * (Helsepersonellregisteret, no-basis' identifier system) where the user has
 * one, the name as the portal shows it, and the role as its qualification's text.
 */
export function practitionerResource(p: PractitionerRecord): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: p.id,
    meta: { lastUpdated: p.updatedAt.toISOString() },
    ...(p.hprNumber ? { identifier: [{ system: HPR_SYSTEM, value: p.hprNumber }] } : {}),
    active: p.isActive,
    name: [{ text: p.displayName }],
    ...(ROLE_DISPLAY[p.role] ? { qualification: [{ code: { text: ROLE_DISPLAY[p.role] } }] } : {}),
  }
}

/** The municipality (a tenant) as an R4 Organization: its organisation number (Enhetsregisteret) and municipality number. */
export function organizationResource(o: OrganizationRecord): Organization {
  const identifier = [
    ...(o.organisationNumber ? [{ system: ORGANISATION_NUMBER_SYSTEM, value: o.organisationNumber }] : []),
    ...(o.municipalityNumber ? [{ system: MUNICIPALITY_NUMBER_SYSTEM, value: o.municipalityNumber }] : []),
  ]
  return {
    resourceType: 'Organization',
    id: o.id,
    meta: { lastUpdated: o.updatedAt.toISOString() },
    ...(identifier.length ? { identifier } : {}),
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'govt', display: 'Government' }], text: 'Kommune' }],
    name: o.name,
  }
}
