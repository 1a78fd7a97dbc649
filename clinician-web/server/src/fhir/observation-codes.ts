import { VITAL_TYPES, type VitalType } from '@varde/domain'
import { BP_PANEL } from '../access/types.js'

export const LOINC = 'http://loinc.org'
export const UCUM = 'http://unitsofmeasure.org'

/** FHIR vital-signs profiles (R4 §"Vital Signs"): the base one and each type's own. */
export const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns'
const PROFILE = (name: string) => `http://hl7.org/fhir/StructureDefinition/${name}`

/** The blood-pressure panel (LOINC 85354-9), the FHIR vital-signs profile `bp`, of components 8480-6 and 8462-4. */
export const BP_PANEL_CODE = { code: '85354-9', display: 'Blood pressure panel with all children optional' } as const

/**
 * What an Observation of each kind claims and is coded by, beyond the LOINC
 * code of device-protocol.md: the profile it conforms to (checked by the
 * validator in test/fhir-validation.test.ts) and further LOINC codes the
 * profile requires (oxygensat asks for 2708-6 next to the pulse-oximetry
 * code). Blood glucose has no vital-signs profile of its own, and a lone
 * systolic or diastolic reading (its partner never came) is no panel: those
 * claim the base profile only.
 */
const OWN_PROFILE: Partial<Record<VitalType | typeof BP_PANEL, string>> = {
  'body-weight': PROFILE('bodyweight'), pulse: PROFILE('heartrate'), spo2: PROFILE('oxygensat'), 'body-temperature': PROFILE('bodytemp'),
  'respiratory-rate': PROFILE('resprate'), [BP_PANEL]: PROFILE('bp'),
}
export const profilesOf = (kind: string): string[] => [VITAL_SIGNS_PROFILE, ...(OWN_PROFILE[kind as VitalType] ? [OWN_PROFILE[kind as VitalType]!] : [])]

export const EXTRA_CODINGS: Partial<Record<VitalType, { code: string; display: string }[]>> = {
  spo2: [{ code: '2708-6', display: 'Oxygen saturation in Arterial blood' }],
}

/** The LOINC codes an Observation of each kind is found by with `code` (its code) and `combo-code` (its code or a component's). */
function codesOf(kind: string): { code: string[]; combo: string[] } {
  if (kind === BP_PANEL) return { code: [BP_PANEL_CODE.code], combo: [BP_PANEL_CODE.code, VITAL_TYPES['bp-systolic'].loinc, VITAL_TYPES['bp-diastolic'].loinc] }
  const info = VITAL_TYPES[kind as VitalType]
  const code = [info.loinc, ...(EXTRA_CODINGS[kind as VitalType] ?? []).map((c) => c.code)]
  return { code, combo: code }
}
const KINDS: string[] = [...Object.keys(VITAL_TYPES), BP_PANEL]

/**
 * The Observation kinds a `code` or `combo-code` search value names (`loinc`
 * or `http://loinc.org|loinc`, comma = OR), or null when it names another
 * code system (not supported). A LOINC code of nothing served names none.
 */
export function kindsForCode(value: string, param: 'code' | 'combo-code'): string[] | null {
  const kinds = new Set<string>()
  for (const part of value.split(',')) {
    const [system, code] = part.includes('|') ? [part.slice(0, part.indexOf('|')), part.slice(part.indexOf('|') + 1)] : [undefined, part]
    if (system && system !== LOINC) return null
    for (const kind of KINDS) if (codesOf(kind)[param === 'code' ? 'code' : 'combo'].includes(code!)) kinds.add(kind)
  }
  return [...kinds]
}
