import { VITAL_TYPES, type VitalType } from '@varde/domain'
import { BP_PANEL } from '../access/types.js'

export const LOINC = 'http://loinc.org'
export const SNOMED_CT = 'http://snomed.info/sct'
/** IEEE 11073-10101 nomenclature, as the HL7 Personal Health Device IG writes its system. */
export const MDC = 'urn:iso:std:iso:11073:10101'
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
export const profilesOf = (kind: string): string[] =>
  // a questionnaire score (ADR 0042) is a survey, not a vital sign: it claims no vital-signs profile
  isPatientReported(kind) ? [] : [VITAL_SIGNS_PROFILE, ...(OWN_PROFILE[kind as VitalType] ? [OWN_PROFILE[kind as VitalType]!] : [])]
const isPatientReported = (kind: string): boolean => kind in VITAL_TYPES && VITAL_TYPES[kind as VitalType].origin === 'patient'

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
/**
 * The vital-sign kinds, all LOINC-coded: each measured vital and the
 * blood-pressure panel. A questionnaire score is a survey in the platform's
 * own code system (ADR 0042), so neither a LOINC `code` search nor
 * `$lastn` (vital signs only) names it.
 */
export const KINDS: readonly string[] = [...Object.keys(VITAL_TYPES).filter((k) => !isPatientReported(k)), BP_PANEL]

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

type Coding = { system: string; code: string; display: string }
const sct = (code: string, display: string): Coding => ({ system: SNOMED_CT, code, display })
const mdc = (code: string, display: string): Coding => ({ system: MDC, code, display })

/**
 * Codings beside LOINC, each kind's (issue 22). SNOMED CT as HL7 Norway's
 * VkpObservation profiles carry them (github.com/HL7Norway/VkpObservation:
 * README "Scope stage 1/2", profiles VkpObservationBloodpressure.fsh with
 * 75367002 and the components' 271649006/271650006, VkpObservationOxygensat.fsh
 * 431314004, VkpObservationBodyweight.fsh 27113001). Blood glucose gets none:
 * its profile (VkpObservationGlucose.fsh) gives 431314004, the oxygen
 * saturation code, and the README 405176005; we do not pick between them.
 * IEEE 11073 MDC codes where the HL7 Personal Health Device IG gives one
 * (hl7.org/fhir/uv/phd: MDC_PRESS_BLD_NONINV 150020 with _SYS 150021 and
 * _DIA 150022, MDC_PULS_OXIM_SAT_O2 150456, MDC_MASS_BODY_ACTUAL 188736,
 * MDC_TEMP_BODY 150364, MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD 160184,
 * MDC_RESP_RATE 151562). A pulse gets none: its MDC code depends on the
 * device (MDC_PULS_RATE_NON_INV from a cuff, MDC_PULS_OXIM_PULS_RATE from an
 * oximeter), which a reading does not tell.
 */
export const OTHER_CODINGS: Partial<Record<VitalType | typeof BP_PANEL, Coding[]>> = {
  [BP_PANEL]: [sct('75367002', 'Blood pressure (observable entity)'), mdc('150020', 'MDC_PRESS_BLD_NONINV')],
  'bp-systolic': [sct('271649006', 'Systolic blood pressure (observable entity)'), mdc('150021', 'MDC_PRESS_BLD_NONINV_SYS')],
  'bp-diastolic': [sct('271650006', 'Diastolic blood pressure (observable entity)'), mdc('150022', 'MDC_PRESS_BLD_NONINV_DIA')],
  pulse: [sct('364075005', 'Heart rate (observable entity)')],
  spo2: [sct('431314004', 'Peripheral oxygen saturation (observable entity)'), mdc('150456', 'MDC_PULS_OXIM_SAT_O2')],
  'body-weight': [sct('27113001', 'Body weight (observable entity)'), mdc('188736', 'MDC_MASS_BODY_ACTUAL')],
  'body-temperature': [sct('276885007', 'Core body temperature (observable entity)'), mdc('150364', 'MDC_TEMP_BODY')],
  'respiratory-rate': [sct('86290005', 'Respiratory rate (observable entity)'), mdc('151562', 'MDC_RESP_RATE')],
  'blood-glucose': [mdc('160184', 'MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD')],
}
export const otherCodingsOf = (kind: string): Coding[] => OTHER_CODINGS[kind as VitalType] ?? []
