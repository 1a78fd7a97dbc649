import type { ForwardedPatient, ForwardedReading } from '@varde/db'
import { codeSystemOf, isVitalType, observationCategoryOf, VITAL_TYPES } from '@varde/domain'
import { createOnce, DEVICE_ID_SYSTEM, MEASUREMENT_ID_SYSTEM, patientReference, type FhirResource } from './identifiers.js'

/**
 * A day's readings as a `batch` Bundle of Observations, each with the stored
 * reading's id as a stable `identifier` and an `ifNoneExist` on it, so a
 * re-delivery never duplicates at the receiver (the shape Norsk helsenett's
 * Pasientens måledata takes; issue 18). Each Observation as the server's
 * FHIR API gives it: vital-signs, LOINC, UCUM (platform-contract.md).
 */
export function readingsBundle(patient: ForwardedPatient, readings: readonly ForwardedReading[]): FhirResource {
  const subject = patientReference(patient)
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: readings.map((r) => {
      const identifier = { system: MEASUREMENT_ID_SYSTEM, value: r.id }
      return createOnce(observation(r, subject, identifier), identifier)
    }),
  }
}

function observation(r: ForwardedReading, subject: Record<string, unknown>, identifier: { system: string; value: string }): FhirResource {
  const info = isVitalType(r.type) ? VITAL_TYPES[r.type] : undefined
  return {
    resourceType: 'Observation',
    identifier: [identifier],
    status: 'final',
    // a questionnaire score (ADR 0042) is a survey, coded in the platform's own system
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', ...observationCategoryOf(r.type) }] }],
    code: info ? { coding: [{ system: codeSystemOf(info), code: info.loinc, display: info.loincDisplay }], text: info.label.nb } : { text: r.type },
    subject,
    effectiveDateTime: r.measuredAt.toISOString(),
    valueQuantity: { value: r.value, unit: info?.displayUnit ?? r.unit, system: 'http://unitsofmeasure.org', code: r.unit },
    device: { identifier: { system: DEVICE_ID_SYSTEM, value: `${r.gatewayId}/${r.deviceId}` }, display: r.deviceId },
  }
}
