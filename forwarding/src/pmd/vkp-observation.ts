import type { ForwardedReading } from '@varde/db'
import { DEVICE_ID_SYSTEM, MEASUREMENT_ID_SYSTEM, type FhirResource } from '../fhir/identifiers.js'

/**
 * Readings as HL7 Norway's VkpObservation profiles (canonical
 * http://hl7.no/fhir/vkpobservation, FHIR 4.0.1, draft 0.5.x), each on the
 * FHIR vital-signs profile, SNOMED CT beside LOINC (docs/decisions/0018 says
 * which codes were confirmed against the IG's published tables).
 */
export const VKP_CANONICAL = 'http://hl7.no/fhir/vkpobservation'
export const VKP_PROFILE = (name: string) => `${VKP_CANONICAL}/StructureDefinition/${name}`
export const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns'
export const SNOMED = 'http://snomed.info/sct'
export const LOINC = 'http://loinc.org'
export const UCUM = 'http://unitsofmeasure.org'
export const ORGANISATION_NUMBER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101'

interface Coding { system: string; code: string; display: string }
interface VkpKind {
  profile: string
  /** Whether it also claims FHIR's vital-signs profile (blood glucose is no vital sign). */
  isVitalSign: boolean
  codings: Coding[]
}

const loinc = (code: string, display: string): Coding => ({ system: LOINC, code, display })
const sct = (code: string, display: string): Coding => ({ system: SNOMED, code, display })

/** By Varde's vital type (packages/domain vital-types.ts); bp-systolic and bp-diastolic travel as one panel. */
export const VKP_KINDS: Record<string, VkpKind> = {
  // FHIR's oxygensat profile fixes 2708-6; 59408-5 (pulse oximetry) is what the device measures and what Varde stores
  spo2: { profile: VKP_PROFILE('vkp-Observation-Oxygensat'), isVitalSign: true, codings: [loinc('2708-6', 'Oxygen saturation in Arterial blood'), loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'), sct('431314004', 'Peripheral oxygen saturation')] },
  pulse: { profile: VKP_PROFILE('vkp-Observation-Heartrate'), isVitalSign: true, codings: [loinc('8867-4', 'Heart rate'), sct('364075005', 'Heart rate')] },
  'body-temperature': { profile: VKP_PROFILE('vkp-Observation-Bodytemp'), isVitalSign: true, codings: [loinc('8310-5', 'Body temperature'), sct('276885007', 'Core body temperature')] },
  'body-weight': { profile: VKP_PROFILE('vkp-Observation-Bodyweight'), isVitalSign: true, codings: [loinc('29463-7', 'Body weight'), sct('27113001', 'Body weight')] },
  // 86290005 is SNOMED CT's respiratory rate; not confirmed against the IG's own table (docs/decisions/0018)
  'respiratory-rate': { profile: VKP_PROFILE('vkp-Observation-Resprate'), isVitalSign: true, codings: [loinc('9279-1', 'Respiratory rate'), sct('86290005', 'Respiratory rate')] },
  'blood-glucose': { profile: VKP_PROFILE('vkp-Observation'), isVitalSign: false, codings: [loinc('15074-8', 'Glucose [Moles/volume] in Blood'), sct('434912009', 'Blood glucose concentration')] },
}
export const VKP_BLOOD_PRESSURE = {
  profile: VKP_PROFILE('vkp-Observation-Bloodpressure'),
  codings: [loinc('85354-9', 'Blood pressure panel with all children optional'), sct('75367002', 'Blood pressure')],
  systolic: [loinc('8480-6', 'Systolic blood pressure'), sct('271649006', 'Systolic blood pressure')],
  diastolic: [loinc('8462-4', 'Diastolic blood pressure'), sct('271650006', 'Diastolic blood pressure')],
}

const VITAL_SIGNS_CATEGORY = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }]
const LABORATORY_CATEGORY = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }]

/** One PMD entry: the Observation and the stored readings it carries (two for a blood pressure panel). */
export interface VkpEntry { readingIds: string[]; resource: FhirResource }
/** A reading that cannot be sent as a VkpObservation (no profile for its type, half a blood pressure). */
export interface VkpRefusal { readingIds: string[]; reason: string }

/**
 * A day's readings as VkpObservations: one per reading, except that a
 * systolic and a diastolic of the same device and moment become one blood
 * pressure panel (85354-9), as the Bloodpressure profile has it.
 */
export function vkpObservations(
  readings: readonly ForwardedReading[], subject: Record<string, unknown>, performer: Record<string, unknown>,
): { entries: VkpEntry[]; refused: VkpRefusal[] } {
  const entries: VkpEntry[] = []
  const refused: VkpRefusal[] = []
  const pressures = new Map<string, { systolic?: ForwardedReading; diastolic?: ForwardedReading }>()
  for (const r of readings) {
    if (r.type === 'bp-systolic' || r.type === 'bp-diastolic') {
      const key = `${r.gatewayId}/${r.deviceId}@${r.measuredAt.toISOString()}`
      const pair = pressures.get(key) ?? {}
      if (r.type === 'bp-systolic') pair.systolic = r
      else pair.diastolic = r
      pressures.set(key, pair)
      continue
    }
    const kind = VKP_KINDS[r.type]
    if (!kind) {
      refused.push({ readingIds: [r.id], reason: `no VkpObservation profile for ${r.type}` })
      continue
    }
    entries.push({
      readingIds: [r.id],
      resource: {
        ...base(r, [kind.profile, ...(kind.isVitalSign ? [VITAL_SIGNS_PROFILE] : [])], kind.isVitalSign ? VITAL_SIGNS_CATEGORY : LABORATORY_CATEGORY, subject, performer),
        code: { coding: kind.codings },
        valueQuantity: quantity(r),
      },
    })
  }
  for (const { systolic, diastolic } of pressures.values()) {
    if (!systolic || !diastolic) {
      const lone = (systolic ?? diastolic) as ForwardedReading
      refused.push({ readingIds: [lone.id], reason: 'half a blood pressure: the panel needs both systolic and diastolic' })
      continue
    }
    entries.push({
      readingIds: [systolic.id, diastolic.id],
      resource: {
        ...base(systolic, [VKP_BLOOD_PRESSURE.profile, VITAL_SIGNS_PROFILE], VITAL_SIGNS_CATEGORY, subject, performer),
        code: { coding: VKP_BLOOD_PRESSURE.codings },
        component: [
          { code: { coding: VKP_BLOOD_PRESSURE.systolic }, valueQuantity: quantity(systolic) },
          { code: { coding: VKP_BLOOD_PRESSURE.diastolic }, valueQuantity: quantity(diastolic) },
        ],
      },
    })
  }
  return { entries, refused }
}

function base(r: ForwardedReading, profiles: string[], category: unknown, subject: Record<string, unknown>, performer: Record<string, unknown>): FhirResource {
  return {
    resourceType: 'Observation',
    meta: { profile: profiles },
    identifier: [{ system: MEASUREMENT_ID_SYSTEM, value: r.id }],
    status: 'final',
    category,
    subject,
    effectiveDateTime: r.measuredAt.toISOString(),
    performer: [performer],
    device: { identifier: { system: DEVICE_ID_SYSTEM, value: `${r.gatewayId}/${r.deviceId}` }, display: r.deviceId },
  }
}

/** UCUM as stored (the ingest normalises units: packages/domain units.ts). */
function quantity(r: ForwardedReading): Record<string, unknown> {
  return { value: r.value, unit: r.unit, system: UCUM, code: r.unit }
}
