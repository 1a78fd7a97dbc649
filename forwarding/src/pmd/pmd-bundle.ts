import type { ForwardedPatient, ForwardedReading, SenderIdentity } from '@varde/db'
import { randomUUID } from 'node:crypto'
import { patientReference, type FhirResource } from '../fhir/identifiers.js'
import { ORGANISATION_NUMBER_SYSTEM, VKP_PROFILE, vkpObservations, type VkpRefusal } from './vkp-observation.js'

export const PMD_BUNDLE_PROFILE = VKP_PROFILE('pmd-Bundle-Observation')
export const PMD_RESPONSE_PROFILE = VKP_PROFILE('pmd-Bundle-Response')
/** SOSI kommunenummer (Kartverket/Geonorge), as PMD's published examples tag their Bundles. */
export const MUNICIPALITY_NUMBER_SYSTEM = 'https://register.geonorge.no/sosi-kodelister/inndelinger/inndelingsbase/kommunenummer'
/** The Bundle's own identifier: one per request (PMD's examples use a UUID under the sender's system). */
export const PMD_BUNDLE_ID_SYSTEM = 'urn:varde:pmd-bundle-id'

/** One entry as sent: its fullUrl (the reading's id at the responsible organisation) and the readings it carries. */
export interface PmdEntryRef { fullUrl: string; readingIds: string[] }

/**
 * A day's readings as a `pmd-Bundle-Observation` (issue 18, docs/decisions/0018):
 * `batch`, Observations only, each entry with a unique `fullUrl` (urn:uuid of
 * the stored reading: the responsible organisation's id for it, stable across
 * re-deliveries) and a `request` POST; the municipality number as `meta.tag`;
 * the Bundle's own `identifier`. Readings with no VkpObservation shape are
 * returned as refused, not sent.
 */
export function pmdBundle(
  patient: ForwardedPatient & { nationalId: string }, readings: readonly ForwardedReading[],
  sender: SenderIdentity & { organisationNumber: string; municipalityNumber: string }, now = new Date(),
): { bundle: FhirResource; entries: PmdEntryRef[]; refused: VkpRefusal[] } {
  const subject = patientReference(patient)
  const performer = { type: 'Organization', identifier: { system: ORGANISATION_NUMBER_SYSTEM, value: sender.organisationNumber }, display: sender.name }
  const { entries, refused } = vkpObservations(readings, subject, performer)
  const refs = entries.map((e) => ({ fullUrl: `urn:uuid:${e.readingIds[0] as string}`, readingIds: e.readingIds }))
  return {
    bundle: {
      resourceType: 'Bundle',
      meta: {
        profile: [PMD_BUNDLE_PROFILE],
        tag: [{ system: MUNICIPALITY_NUMBER_SYSTEM, code: sender.municipalityNumber, display: sender.name }],
      },
      identifier: { system: PMD_BUNDLE_ID_SYSTEM, value: randomUUID() },
      type: 'batch',
      timestamp: now.toISOString(),
      entry: entries.map((e, i) => ({ fullUrl: refs[i]?.fullUrl, resource: e.resource, request: { method: 'POST', url: 'Observation' } })),
    },
    entries: refs,
    refused,
  }
}
