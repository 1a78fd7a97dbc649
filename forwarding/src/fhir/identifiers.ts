import type { ForwardedPatient } from '@varde/db'

/** Norwegian national identity number (fødselsnummer) and D-number (first digit 4–7). */
export const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1'
export const D_NUMBER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.2'
/** Varde's own stable ids, as the server's FHIR API names its systems (`urn:varde:…`). */
export const ALERT_ID_SYSTEM = 'urn:varde:alert-id'
/** A nurse's share of an alert ("Del med fastlege"): the delivery's id, so each share is one Communication. */
export const ALERT_SHARE_ID_SYSTEM = 'urn:varde:alert-share-id'
export const MEASUREMENT_ID_SYSTEM = 'urn:varde:measurement-id'
export const RULE_SYSTEM = 'urn:varde:rule'
export const GATEWAY_ID_SYSTEM = 'urn:varde:gateway-id'
export const DEVICE_ID_SYSTEM = 'urn:varde:device-id'

export type FhirResource = Record<string, unknown> & { resourceType: string }

/**
 * The patient as a logical reference by national id (the receiver has no
 * Patient of ours to point at; the shape Pasientens måledata uses too).
 */
export function patientReference(p: ForwardedPatient): Record<string, unknown> {
  const identifier = p.nationalId ? { system: /^[4-7]/.test(p.nationalId) ? D_NUMBER_SYSTEM : NATIONAL_ID_SYSTEM, value: p.nationalId } : undefined
  return { type: 'Patient', ...(identifier ? { identifier } : {}), display: p.displayName }
}

/** A batch entry that creates `resource` unless one with the same identifier exists: re-delivery never duplicates. */
export function createOnce(resource: FhirResource, identifier: { system: string; value: string }): Record<string, unknown> {
  return {
    resource,
    request: { method: 'POST', url: resource.resourceType, ifNoneExist: `identifier=${encodeURIComponent(`${identifier.system}|${identifier.value}`)}` },
  }
}
