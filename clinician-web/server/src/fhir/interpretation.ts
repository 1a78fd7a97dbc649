import type { CodeableConcept } from '@medplum/fhirtypes'
import { breachedSide, type VitalBands } from '@varde/domain'

/** HL7 v3 ObservationInterpretation (R4 valueset-observation-interpretation), the codes Observation.interpretation takes. */
export const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation'
const CODES = {
  HH: 'Critical high', H: 'High', N: 'Normal', L: 'Low', LL: 'Critical low',
} as const

/**
 * A reading's interpretation against the patient's alert thresholds in
 * effect (issue 22): beyond a red band HH/LL, beyond a yellow one H/L, inside
 * all N. "High" here means "above this patient's threshold", which a
 * clinician set or a condition profile gave (decision 0030), not a
 * population reference range. Several threshold rules on one vital: the
 * worst. A vital no rule watches (blood glucose by default) gets none.
 */
export function interpretationOf(type: string, value: number, thresholds: readonly VitalBands[]): CodeableConcept | undefined {
  const bands = thresholds.filter((b) => b.vital === type)
  if (!bands.length) return undefined
  let code: keyof typeof CODES = 'N'
  for (const b of bands) {
    const red = breachedSide(b.red, value)
    const yellow = breachedSide(b.yellow, value)
    if (red) code = red === 'high' ? 'HH' : 'LL'
    else if (yellow && code === 'N') code = yellow === 'high' ? 'H' : 'L'
  }
  return { coding: [{ system: INTERPRETATION_SYSTEM, code, display: CODES[code] }] }
}
